// What a developer types after `fault` (`redis:freeze 5s`, `redis:latency off`) into a typed Fault, or a
// FaultError saying what is wrong and what would be right. The control endpoint parses what it receives with the
// same function: whatever sent it, the runner applies only what this accepts.

import { FAULT_SPECS, type Fault, type FaultArgument, type FaultSpec, faultSpecNamed } from './fault.js'
import { FaultError } from './fault-error.js'

const UNITS = new Map([
  ['ms', 1],
  ['s', 1000],
  ['m', 60_000],
])

/**
 * `500ms`, `5s`, `1.5s`, `1m` as milliseconds (a whole number of them). A bare number other than 0 is refused:
 * `5` could mean seconds or milliseconds.
 */
export function parseDuration(text: string, what: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(text)
  if (!match) {
    const hint = /^\d+(?:\.\d+)?$/.test(text) ? ` (with its unit: ${text}s or ${text}ms?)` : ''
    throw new FaultError('bad-argument', `${what}: "${text}" is not a duration like 500ms, 5s or 1m${hint}`)
  }
  const ms = Number(match[1]) * (UNITS.get(match[2] as string) as number)
  if (!Number.isInteger(ms))
    throw new FaultError('bad-argument', `${what}: ${text} is not a whole number of milliseconds`)
  return ms
}

function parseArgument(spec: FaultSpec, argument: FaultArgument, text: string | undefined): number {
  if (argument.type === 'none') return 0
  const zero = argument.zeroClears ? ' (off or 0 removes it)' : ''
  if (text === undefined)
    throw new FaultError('bad-argument', `${spec.name} needs a duration, e.g. ${spec.name} 5s${zero}`)
  if (argument.zeroClears && (text === 'off' || text === '0')) return 0
  const ms = parseDuration(text, spec.name)
  if (ms === 0 && argument.zeroClears) return 0
  if (ms < argument.minMs || ms > argument.maxMs) {
    throw new FaultError(
      'bad-argument',
      `${spec.name}: ${text} is out of bounds (${argument.minMs} ms to ${argument.maxMs / 1000} s)${zero}`,
    )
  }
  return ms
}

/** Edit distance, to suggest the fault a typo meant. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)
      current[j] = Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1)
    }
    previous = current
  }
  return previous[b.length] as number
}

function unknownFault(name: string): FaultError {
  const lower = name.toLowerCase()
  const candidates = FAULT_SPECS.map((spec) => spec.name)
  const meant =
    candidates.find((candidate) => candidate === lower || candidate === `redis:${lower}`) ??
    candidates.find(
      (candidate) => distance(candidate, lower) <= 2 || distance(candidate, `redis:${lower}`) <= 2,
    )
  const suggestion = meant ? `; did you mean ${meant}?` : ''
  return new FaultError(
    'unknown-fault',
    `unknown fault "${name}"${suggestion} (known: ${candidates.join(', ')})`,
  )
}

/**
 * The fault named by `words`: its name, then its argument if it takes one (`['redis:freeze', '5s']`). Words may
 * also hold both at once (`'redis:freeze 5s'`), as when the command line got them quoted together.
 */
export function parseFault(words: readonly string[]): Fault {
  const [name, argument, ...extra] = words.flatMap((word) => word.trim().split(/\s+/)).filter((w) => w !== '')
  if (name === undefined) throw new FaultError('unknown-fault', 'no fault given (e.g. redis:freeze 5s)')
  const spec = faultSpecNamed(name)
  if (!spec) throw unknownFault(name)
  if (spec.argument.type === 'none' && argument !== undefined)
    throw new FaultError('bad-argument', `${spec.name} takes no argument (got "${argument}")`)
  if (extra.length > 0)
    throw new FaultError(
      'bad-argument',
      `${spec.name} takes one argument (got "${[argument, ...extra].join(' ')}")`,
    )
  const ms = parseArgument(spec, spec.argument, argument)
  switch (spec.kind) {
    case 'freeze':
    case 'latency':
      return { kind: spec.kind, ms }
    default:
      return { kind: spec.kind }
  }
}
