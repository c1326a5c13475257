// Applies a fault to the cache a runner serves. One table, ACTIONS, from fault kind to what it does to the
// cache (the methods of LocalCache and its front): a fault is a line there, and its answer says what was done in
// the words the runner's log and the `fault` command print.

import type { LocalCache } from '../services/cache-front/local-cache.js'
import { type Fault, type FaultKind, faultSpec, formatDuration } from './fault.js'
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
  kill: async (cache) => {
    await cache.kill()
    return 'redis-server killed: connections refused until redis:restart or redis:heal'
  },
  restart: async (cache) => {
    await cache.restart()
    return 'redis-server restarted on the same port, empty (nothing is persisted locally)'
  },
  freeze: async (cache, { ms }) => {
    await cache.freeze(ms)
    return `redis-server frozen (SIGSTOP) for ${formatDuration(ms)}: connections stay open, nothing answers`
  },
  failover: async (cache) => {
    if (cache.shape.serverless) {
      await cache.failover()
      return 'node replaced behind the serverless endpoint: every connection closed, data kept'
    }
    const from = cache.faultState().primary
    await cache.failover()
    const to = cache.faultState().primary
    return `replica on port ${to.port} promoted, the endpoint leads to it; the old primary (port ${from.port}) answers READONLY to connections still open to it`
  },
  heal: async (cache) => {
    const before = cache.faultState()
    await cache.heal()
    const undone = [
      ...(before.killed || before.replicas.some((replica) => !replica.running)
        ? ['dead servers restarted']
        : []),
      ...(before.frozenUntil ? ['thawed'] : []),
      ...(before.latencyMs > 0 ? ['latency removed'] : []),
    ]
    return undone.length > 0
      ? `${undone.join(', ')}; IAM tokens accepted again`
      : 'nothing was in force; IAM tokens accepted again'
  },
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
  try {
    return { fault, done: await action(cache, fault) }
  } catch (error) {
    // The cache refuses what its state does not allow (a failover without a replica, or of a frozen primary);
    // its message says why and what to do instead.
    if (error instanceof FaultError) throw error
    throw new FaultError('refused', `${faultSpec(fault.kind).name} refused: ${(error as Error).message}`)
  }
}
