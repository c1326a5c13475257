// The faults a developer can inject into the local cache while the runner serves (docs/local.md, "Faults on
// demand"): their names as typed (`redis:freeze 5s`), their arguments and what each does. The parser, the
// dispatcher, the `fault` command's help and the request log's summaries all read this one table.

/** A fault, parsed: what to do to the cache. */
export type Fault =
  | { readonly kind: 'kill' }
  | { readonly kind: 'restart' }
  | { readonly kind: 'freeze'; readonly ms: number }
  /** `ms: 0` removes the latency. */
  | { readonly kind: 'latency'; readonly ms: number }
  | { readonly kind: 'failover' }
  | { readonly kind: 'drop' }
  | { readonly kind: 'expire-tokens' }
  | { readonly kind: 'heal' }

export type FaultKind = Fault['kind']

/** What a fault takes after its name. */
export type FaultArgument =
  | { readonly type: 'none' }
  /** A duration with its unit (500ms, 5s, 1m) within bounds; `off`/`0` allowed when `zeroClears`. */
  | {
      readonly type: 'duration'
      readonly minMs: number
      readonly maxMs: number
      readonly zeroClears: boolean
    }

export interface FaultSpec {
  readonly kind: FaultKind
  /** As typed: `redis:freeze`. */
  readonly name: string
  readonly argument: FaultArgument
  /** How the argument is written in help and errors: `<duration>`. */
  readonly usage: string
  /** One line for `fault --help`. */
  readonly help: string
}

const none: FaultArgument = { type: 'none' }

export const FAULT_SPECS: readonly FaultSpec[] = [
  {
    kind: 'kill',
    name: 'redis:kill',
    argument: none,
    usage: '',
    help: 'stop redis-server (SIGKILL): connections refused until redis:restart or redis:heal',
  },
  {
    kind: 'restart',
    name: 'redis:restart',
    argument: none,
    usage: '',
    help: 'restart redis-server on the same port (killing it first if alive); it comes back empty',
  },
  {
    kind: 'freeze',
    name: 'redis:freeze',
    // Ten minutes is far past every budget the API has (29 s integration timeout); longer is a kill.
    argument: { type: 'duration', minMs: 1, maxMs: 10 * 60_000, zeroClears: false },
    usage: '<duration>',
    help: 'freeze redis-server (SIGSTOP) for the duration: connections stay open, nothing answers',
  },
  {
    kind: 'latency',
    name: 'redis:latency',
    // Past a minute every request has long hit the API's own timeouts: a larger value only looks like a freeze.
    argument: { type: 'duration', minMs: 1, maxMs: 60_000, zeroClears: true },
    usage: '<duration>|off',
    help: 'every command reaches Redis this much later, until redis:latency off (or 0)',
  },
  {
    kind: 'failover',
    name: 'redis:failover',
    argument: none,
    usage: '',
    help: 'promote the replica: the endpoint leads to it, the old primary answers READONLY',
  },
  {
    kind: 'drop',
    name: 'redis:drop',
    argument: none,
    usage: '',
    help: 'close every client connection at once, as a network failure would',
  },
  {
    kind: 'expire-tokens',
    name: 'redis:expire-tokens',
    argument: none,
    usage: '',
    help: 'refuse every IAM token signed until now, as if expired (new tokens pass)',
  },
  {
    kind: 'heal',
    name: 'redis:heal',
    argument: none,
    usage: '',
    help: 'undo every fault: restart or thaw redis-server, remove the latency, accept IAM tokens again',
  },
]

const specsByKind = new Map(FAULT_SPECS.map((spec) => [spec.kind, spec]))
const specsByName = new Map(FAULT_SPECS.map((spec) => [spec.name, spec]))

export function faultSpec(kind: FaultKind): FaultSpec {
  return specsByKind.get(kind) as FaultSpec
}

export function faultSpecNamed(name: string): FaultSpec | undefined {
  return specsByName.get(name)
}

/** `500ms`, `5s`, `1.5s`, `2m`: the shortest exact way to write it. */
export function formatDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms >= 1000 && ms % 100 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

/** The fault as a developer would type it: `redis:freeze 5s`, `redis:latency off`. */
export function formatFault(fault: Fault): string {
  const name = faultSpec(fault.kind).name
  if (fault.kind === 'freeze') return `${name} ${formatDuration(fault.ms)}`
  if (fault.kind === 'latency') return `${name} ${fault.ms === 0 ? 'off' : formatDuration(fault.ms)}`
  return name
}
