import type { Context } from 'aws-lambda'
import { Cluster, Command, type Redis } from 'ioredis'
import { connectionEpoch } from './durable-writes/connection-epochs.js'
import { DurableWritesConfigError, ReplicasNotConfirmedError } from './durable-writes/errors.js'
import { checkKnownKeys, optionKeys } from './options/check-known-keys.js'
import { ServiceUnavailableError } from './redis-pool/errors.js'
import { redisPoolDefaults } from './redis-pool/options.js'

export { DurableWritesConfigError, ReplicasNotConfirmedError } from './durable-writes/errors.js'

export interface DurableWritesOptions {
  /** Replicas that must hold a write before it is acknowledged. An integer from 1 to 100. */
  readonly replicas: number
  /**
   * Longest time to wait for their confirmation, in ms (the `WAIT` timeout); also capped by the invocation's
   * remaining time. An integer from 1 to 60,000.
   */
  readonly timeout: number
  /** Time kept in reserve before the Lambda deadline for the error response, in ms. Default 50, as the pool's. */
  readonly timeoutMargin?: number
}

/** The part of a Lambda context the time budget is read from. */
export type RemainingTime = Pick<Context, 'getRemainingTimeInMillis'>

/** The writes of one request, started by {@link DurableWrites.begin}; confirm them once they are done. */
export interface PendingWrites {
  /**
   * Sends `WAIT replicas timeout` and resolves with the number of replicas that confirmed, or throws the pool's
   * 503 {@link ServiceUnavailableError} (cause: {@link ReplicasNotConfirmedError}) when fewer confirm in time or
   * the connection was replaced since `begin`. In cluster mode pass a key of every slot written (the WAIT goes to
   * the primary serving each); standalone clients ignore the keys.
   */
  confirm(...keys: string[]): Promise<number>
}

export interface DurableWrites {
  readonly replicas: number
  readonly timeout: number
  readonly timeoutMargin: number
  /** Call before the request's first write, on the client the writes go through. */
  begin(client: Redis | Cluster, context?: RemainingTime): PendingWrites
}

// Stryker disable next-line BooleanLiteral: optionKeys reads only the keys (`true` is for the compiler).
const knownOptions = optionKeys<DurableWritesOptions>({ replicas: true, timeout: true, timeoutMargin: true })

// How much later than its timeout a WAIT may be answered: Redis/Valkey time blocked clients out on their cron,
// every 1000/hz ms (100 ms at the default hz 10), and the reply then has to travel back. Measured: WAIT 1 150
// without a replica answers after 200 ms at hz 10.
const replyAllowanceMs = 150

const checkInt = (name: string, value: unknown, min: number, max: number): number => {
  // Number.isInteger is false for anything that is not a number.
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new DurableWritesConfigError(
      `${name} must be an integer from ${min} to ${max}, got ${String(value)}`,
    )
  }
  return value as number
}

/** WAIT's time budget: the configured timeout, less when the invocation has less time left. */
const waitBudget = (timeout: number, timeoutMargin: number, context: RemainingTime | undefined): number => {
  if (typeof context?.getRemainingTimeInMillis !== 'function') return timeout
  const left = context.getRemainingTimeInMillis() - timeoutMargin - replyAllowanceMs
  return Math.min(timeout, Math.floor(left))
}

const notConfirmed = (required: number, confirmed: number, waitedMs: number, reason?: string) =>
  new ServiceUnavailableError(new ReplicasNotConfirmedError(required, confirmed, waitedMs, reason))

/** One WAIT, on the connection that serves `slot` in cluster mode (the one that took the writes to it). */
const sendWait = (client: Redis | Cluster, replicas: number, ms: number, slot: number | undefined) => {
  const command = new Command('wait', [replicas, ms])
  // The client-side timeout is armed first, so the client's shorter per-invocation commandTimeout does not cut
  // a WAIT off before the server answers it (ioredis keeps the first timeout a command gets).
  command.setTimeout(ms + replyAllowanceMs)
  // Equivalent when always true: Redis#sendCommand has no third (routing) argument.
  // Stryker disable next-line ConditionalExpression: see above
  if (client instanceof Cluster) client.sendCommand(command, undefined, { slot })
  else client.sendCommand(command)
  return (command.promise as Promise<number>).catch((error: unknown) => {
    // No answer even after the allowance: nothing is confirmed. Other errors (connection lost) are the pool's.
    if (error instanceof Error && error.message === 'Command timed out') return undefined
    throw error
  })
}

/** The slot ioredis routes a command on `key` to (its own hashing, key prefix included). */
const slotOf = (client: Cluster, key: string): number =>
  new Command('exists', [key], { keyPrefix: client.options.keyPrefix }).getSlot()

/**
 * Opt-in durability for writes: after a request's writes, `WAIT` until `replicas` replicas hold them, within
 * `timeout` ms capped by the invocation's remaining time, else a 503. Replication in Redis/Valkey is
 * asynchronous, so without this an unplanned failover loses the writes the replica had not received yet, even
 * though they were acknowledged. With it, an acknowledged write is on `replicas` replicas. A 503 from it does
 * not undo anything: the write is applied on the primary, only not confirmed durable, so retry it idempotently.
 * ElastiCache Serverless does not accept `WAIT`; node-based ElastiCache does.
 */
export const durableWrites = (options: DurableWritesOptions): DurableWrites => {
  if (typeof options !== 'object' || options === null) {
    throw new DurableWritesConfigError('options must be an object with replicas and timeout')
  }
  checkKnownKeys(options, knownOptions, (message) => new DurableWritesConfigError(message))
  const replicas = checkInt('replicas', options.replicas, 1, 100)
  const timeout = checkInt('timeout', options.timeout, 1, 60_000)
  const timeoutMargin = checkInt(
    'timeoutMargin',
    options.timeoutMargin ?? redisPoolDefaults.timeoutMargin,
    0,
    60_000,
  )

  const begin = (client: Redis | Cluster, context?: RemainingTime): PendingWrites => {
    const epoch = connectionEpoch(client)
    const confirm = async (...keys: string[]): Promise<number> => {
      const ms = waitBudget(timeout, timeoutMargin, context)
      // WAIT 0 would block forever: with no time left there is nothing to wait for.
      if (ms < 1) throw notConfirmed(replicas, 0, 0, 'no time left in the invocation to wait for replicas')
      let slots: Array<number | undefined> = [undefined]
      if (client instanceof Cluster) {
        if (keys.length === 0) {
          throw new DurableWritesConfigError('in cluster mode, confirm() needs a key of every slot written')
        }
        slots = [...new Set(keys.map((key) => slotOf(client, key)))]
      }
      const counts = await Promise.all(slots.map((slot) => sendWait(client, replicas, ms, slot)))
      if (counts.includes(undefined)) {
        throw notConfirmed(replicas, 0, ms, `no answer to WAIT within ${ms + replyAllowanceMs} ms`)
      }
      const confirmed = Math.min(...(counts as number[]))
      if (connectionEpoch(client) !== epoch) {
        throw notConfirmed(
          replicas,
          0,
          ms,
          'the connection was replaced after the writes: WAIT cannot vouch for them',
        )
      }
      if (confirmed < replicas) throw notConfirmed(replicas, confirmed, ms)
      return confirmed
    }
    return { confirm }
  }

  return { replicas, timeout, timeoutMargin, begin }
}
