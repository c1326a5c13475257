import type { Redis } from 'ioredis'
import { isWrongPasswordReply } from './errors.js'
import type { RedisPasswordProvider } from './options.js'

/** After a failed AUTH (provider or server), the next try comes this soon, or at the usual interval if shorter. */
const retryAfterFailureMs = 60_000

/**
 * Keeps `connection` authenticated with a fresh password from `provider` without ever closing it: each time it
 * becomes ready, a timer (unref'd: it never keeps a process alive) sends `AUTH [username] <fresh password>` on the
 * live connection `afterMs` later, and again `afterMs` after every successful AUTH. ElastiCache disconnects an
 * IAM-authenticated connection 12 hours after it authenticated; AUTH with a new token restarts that period.
 *
 * The AUTH is one more command on the connection's pipeline: the commands around it keep their answers, and a
 * failed AUTH (expired credentials, a provider error) leaves the connection authenticated as it was; it is tried
 * again within a minute. A connection that closes drops its timer; the reconnect authenticates through the
 * pool's connector and arms a new one on 'ready'.
 */
export const keepAuthenticated = (
  connection: Redis,
  provider: RedisPasswordProvider,
  username: string | undefined,
  afterMs: number,
): void => {
  let timer: NodeJS.Timeout | undefined
  const disarm = (): void => {
    clearTimeout(timer)
    timer = undefined
  }
  const arm = (delay: number): void => {
    disarm()
    timer = setTimeout(reauthenticate, delay)
    timer.unref()
  }
  const reauthenticate = async (): Promise<void> => {
    timer = undefined
    // Not ready: it is reconnecting or ended, and the next 'ready' (if any) arms the timer again.
    if (connection.status !== 'ready') return
    let password: string | undefined
    try {
      password = await provider()
      if (typeof password !== 'string') throw new TypeError('the password provider must return a string')
      if (connection.status !== 'ready') return
      if (username === undefined) await connection.auth(password)
      else await connection.auth(username, password)
      if (connection.status === 'ready') arm(afterMs)
    } catch (error) {
      if (password !== undefined && isWrongPasswordReply(error)) provider.refused?.(password)
      // The connection is still authenticated from before; the error event only records it for the pool.
      connection.emit('error', error instanceof Error ? error : new Error(String(error)))
      if (connection.status === 'ready') arm(Math.min(afterMs, retryAfterFailureMs))
    }
  }
  connection.on('ready', () => arm(afterMs))
  connection.on('close', disarm)
  connection.on('end', disarm)
}
