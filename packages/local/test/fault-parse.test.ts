// The fault vocabulary: what a developer types after `fault` into a typed fault, with errors that say what is
// wrong and what would be right; and the fault written back as it would be typed.

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { FAULT_SPECS, type Fault, formatDuration, formatFault } from '../src/faults/fault.js'
import { FaultError } from '../src/faults/fault-error.js'
import { parseDuration, parseFault } from '../src/faults/parse-fault.js'

/** The FaultError parseFault throws for `words`. */
const refusal = (...words: string[]): FaultError => {
  try {
    parseFault(words)
  } catch (error) {
    if (error instanceof FaultError) return error
    throw error
  }
  throw new Error(`${words.join(' ')} was accepted`)
}

describe('parseFault', () => {
  it('parses every fault of the vocabulary', () => {
    expect(parseFault(['redis:kill'])).toEqual({ kind: 'kill' })
    expect(parseFault(['redis:restart'])).toEqual({ kind: 'restart' })
    expect(parseFault(['redis:freeze', '5s'])).toEqual({ kind: 'freeze', ms: 5000 })
    expect(parseFault(['redis:latency', '200ms'])).toEqual({ kind: 'latency', ms: 200 })
    expect(parseFault(['redis:failover'])).toEqual({ kind: 'failover' })
    expect(parseFault(['redis:drop'])).toEqual({ kind: 'drop' })
    expect(parseFault(['redis:expire-tokens'])).toEqual({ kind: 'expire-tokens' })
    expect(parseFault(['redis:heal'])).toEqual({ kind: 'heal' })
    expect(FAULT_SPECS.map((spec) => spec.name)).toEqual([
      'redis:kill',
      'redis:restart',
      'redis:freeze',
      'redis:latency',
      'redis:failover',
      'redis:drop',
      'redis:expire-tokens',
      'redis:heal',
    ])
  })

  it('takes the name and argument as one quoted word too', () => {
    expect(parseFault(['redis:freeze 1.5s'])).toEqual({ kind: 'freeze', ms: 1500 })
    expect(parseFault(['  redis:latency   1m '])).toEqual({ kind: 'latency', ms: 60_000 })
  })

  it('clears the latency with off or 0', () => {
    expect(parseFault(['redis:latency', 'off'])).toEqual({ kind: 'latency', ms: 0 })
    expect(parseFault(['redis:latency', '0'])).toEqual({ kind: 'latency', ms: 0 })
    expect(parseFault(['redis:latency', '0ms'])).toEqual({ kind: 'latency', ms: 0 })
  })

  it('names an unknown fault, suggests the one a typo meant, and lists them', () => {
    const typo = refusal('redis:frezee', '5s')
    expect(typo.code).toBe('unknown-fault')
    expect(typo.message).toMatch(
      /^unknown fault "redis:frezee"; did you mean redis:freeze\? \(known: redis:kill, /,
    )
    expect(refusal('freeze', '5s').message).toContain('did you mean redis:freeze?')
    expect(refusal('DROP').message).toContain('did you mean redis:drop?')
    expect(refusal('postgres:kill').message).not.toContain('did you mean')
    expect(refusal('__proto__').code).toBe('unknown-fault')
    expect(refusal('toString').code).toBe('unknown-fault')
    expect(refusal().message).toBe('no fault given (e.g. redis:freeze 5s)')
  })

  it('refuses missing, extra and malformed arguments', () => {
    expect(refusal('redis:freeze').message).toBe('redis:freeze needs a duration, e.g. redis:freeze 5s')
    expect(refusal('redis:latency').message).toBe(
      'redis:latency needs a duration, e.g. redis:latency 5s (off or 0 removes it)',
    )
    expect(refusal('redis:kill', 'now').message).toBe('redis:kill takes no argument (got "now")')
    expect(refusal('redis:freeze', '5s', '10s').message).toBe(
      'redis:freeze takes one argument (got "5s 10s")',
    )
    expect(refusal('redis:freeze', '5').message).toBe(
      'redis:freeze: "5" is not a duration like 500ms, 5s or 1m (with its unit: 5s or 5ms?)',
    )
    expect(refusal('redis:freeze', 'soon').message).toBe(
      'redis:freeze: "soon" is not a duration like 500ms, 5s or 1m',
    )
    expect(refusal('redis:freeze', '-5s').code).toBe('bad-argument')
    expect(refusal('redis:freeze', '5h').code).toBe('bad-argument')
    expect(refusal('redis:latency', '0.5ms').message).toBe(
      'redis:latency: 0.5ms is not a whole number of milliseconds',
    )
    // `off` clears a latency only: a freeze has no "off".
    expect(refusal('redis:freeze', 'off').code).toBe('bad-argument')
    expect(refusal('redis:freeze', '0').message).toContain('not a duration')
  })

  it('keeps durations within bounds', () => {
    expect(parseFault(['redis:freeze', '10m'])).toEqual({ kind: 'freeze', ms: 600_000 })
    expect(refusal('redis:freeze', '11m').message).toBe('redis:freeze: 11m is out of bounds (1 ms to 600 s)')
    expect(refusal('redis:freeze', '0s').message).toBe('redis:freeze: 0s is out of bounds (1 ms to 600 s)')
    expect(parseFault(['redis:latency', '60s'])).toEqual({ kind: 'latency', ms: 60_000 })
    expect(refusal('redis:latency', '61s').message).toBe(
      'redis:latency: 61s is out of bounds (1 ms to 60 s) (off or 0 removes it)',
    )
  })
})

describe('formatFault', () => {
  it('writes a fault as it is typed', () => {
    expect(formatFault({ kind: 'freeze', ms: 5000 })).toBe('redis:freeze 5s')
    expect(formatFault({ kind: 'latency', ms: 200 })).toBe('redis:latency 200ms')
    expect(formatFault({ kind: 'latency', ms: 0 })).toBe('redis:latency off')
    expect(formatFault({ kind: 'expire-tokens' })).toBe('redis:expire-tokens')
    expect([1500, 1250, 90_000, 120_000].map(formatDuration)).toEqual(['1.5s', '1250ms', '90s', '2m'])
  })

  it('round-trips through parseFault, for every fault and duration', () => {
    const faults: fc.Arbitrary<Fault> = fc.oneof(
      fc.constantFrom<Fault>(
        { kind: 'kill' },
        { kind: 'restart' },
        { kind: 'failover' },
        { kind: 'drop' },
        { kind: 'expire-tokens' },
        { kind: 'heal' },
      ),
      fc.integer({ min: 1, max: 600_000 }).map((ms): Fault => ({ kind: 'freeze', ms })),
      fc.integer({ min: 0, max: 60_000 }).map((ms): Fault => ({ kind: 'latency', ms })),
    )
    fc.assert(
      fc.property(faults, (fault) => {
        expect(parseFault([formatFault(fault)])).toEqual(fault)
      }),
    )
    expect(parseDuration('1.25s', 'x')).toBe(1250)
  })
})
