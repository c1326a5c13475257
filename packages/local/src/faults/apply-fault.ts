// Applies a fault to the cache a runner serves. One table, ACTIONS, from fault kind to what it does to the
// cache: a fault is a line there. Kill, restart, freeze, failover and heal need the local cache to control its
// redis-server (LocalCache.kill(), restart(), freeze(ms), failover(), heal()), which this build does not have yet:
// their lines answer "not available in this build" until they are wired.

import type { LocalCache } from '../services/cache-front/local-cache.js'
import { FAULT_SPECS, type Fault, type FaultKind, faultSpec, formatDuration } from './fault.js'
import { FaultError } from './fault-error.js'

/** What a fault acts on: a runner (`startRunner`'s result) has both. */
export interface FaultTarget {
  /** The faithful cache; undefined without one. */
  readonly cache: LocalCache | undefined
  /** Set when the runner serves a plain Redis (`--cache plain`, REDIS_URL) instead. */
  readonly redisUrl: string | undefined
}

export interface FaultOutcome {
  readonly fault: Fault
  /** What was done, in a few words for the runner's log and the `fault` command. */
  readonly done: string
}

type FaultOf<K extends FaultKind> = Extract<Fault, { readonly kind: K }>
type Action<K extends FaultKind> = (cache: LocalCache, fault: FaultOf<K>) => string | Promise<string>

/** The placeholders below, so that the message can list what does work. */
const placeholders = new Set<unknown>()

const unavailable = (kind: FaultKind): (() => never) => {
  const action = (): never => {
    const available = FAULT_SPECS.filter((spec) => !placeholders.has(ACTIONS[spec.kind])).map((s) => s.name)
    throw new FaultError(
      'not-available',
      `${faultSpec(kind).name} is not available in this build: the local cache cannot kill, restart, freeze or ` +
        `fail over its redis-server yet (available: ${available.join(', ')})`,
    )
  }
  placeholders.add(action)
  return action
}

const connections = (n: number) => `${n} client connection${n === 1 ? '' : 's'}`

const ACTIONS: { readonly [K in FaultKind]: Action<K> } = {
  latency: (cache, { ms }) => {
    cache.front.setLatency(ms)
    return ms === 0
      ? 'latency removed; commands reach Redis at once'
      : `every command reaches Redis ${formatDuration(ms)} later, until redis:latency off`
  },
  drop: (cache) => `closed ${connections(cache.front.dropConnections())}`,
  'expire-tokens': (cache) => {
    cache.front.expireTokens()
    return 'IAM tokens signed until now are refused from now on; fresh ones pass'
  },
  kill: unavailable('kill'),
  restart: unavailable('restart'),
  freeze: unavailable('freeze'),
  failover: unavailable('failover'),
  heal: unavailable('heal'),
}

/** Applies `fault` to the target's cache; a FaultError when there is none or the fault cannot be injected. */
export async function applyFault(target: FaultTarget, fault: Fault): Promise<FaultOutcome> {
  const { cache } = target
  if (!cache) {
    throw new FaultError(
      'no-cache',
      target.redisUrl === undefined
        ? 'the stack has no ElastiCache cache: there is no Redis to inject faults into'
        : 'faults act on the faithful cache, and this runner serves a plain Redis (--cache plain, or REDIS_URL / ' +
            '--redis-url): start it without them',
    )
  }
  const action = ACTIONS[fault.kind] as Action<FaultKind>
  return { fault, done: await action(cache, fault) }
}
