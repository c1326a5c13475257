import type { Cluster, Redis } from 'ioredis'

/** A value Powertools' cache persistence layer stores or reads: its records are JSON strings. */
export type PowertoolsCacheValue = string | Uint8Array

/**
 * The node-redis options Powertools' `CachePersistenceLayer` passes to `set`: `EX` (seconds) and `NX`. `PX`
 * and `XX` are accepted too, since they have the same meaning in both clients.
 */
export interface PowertoolsCacheSetOptions {
  EX?: number
  PX?: number
  NX?: boolean
  XX?: boolean
}

/**
 * The client shape `CachePersistenceLayer` of `@aws-lambda-powertools/idempotency/cache` calls (its `CacheClient`
 * interface, written out here so this package has no dependency on Powertools): node-redis-style `set` options.
 */
export interface PowertoolsCacheClient {
  get(name: string): Promise<PowertoolsCacheValue | null>
  set(name: PowertoolsCacheValue, value: unknown, options?: unknown): Promise<PowertoolsCacheValue | null>
  del(keys: string[]): Promise<number>
}

const setOptionKeys: ReadonlySet<string> = new Set(['EX', 'PX', 'NX', 'XX'])

const positiveInteger = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0

/** node-redis `{ EX, NX }` → ioredis' positional `'EX', ttl, 'NX'`; anything else is a clear error, not a
 * Redis `ERR syntax error` or an option silently ignored. */
const setArguments = (options: unknown): Array<string | number> => {
  if (options === undefined || options === null) return []
  if (typeof options !== 'object') {
    throw new TypeError(`powertoolsCacheClient: set options must be an object, got ${typeof options}`)
  }
  const args: Array<string | number> = []
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined || value === false) continue
    if (!setOptionKeys.has(key)) {
      throw new TypeError(`powertoolsCacheClient: unsupported set option ${JSON.stringify(key)}`)
    }
    if (key === 'NX' || key === 'XX') {
      if (value !== true) throw new TypeError(`powertoolsCacheClient: set option ${key} must be a boolean`)
      args.push(key)
    } else {
      // Powertools computes EX from the record's expiry; 0 or less would be Redis's "invalid expire time".
      if (!positiveInteger(value)) {
        throw new TypeError(
          `powertoolsCacheClient: set option ${key} must be a positive integer, got ${String(value)}`,
        )
      }
      args.push(key, value)
    }
  }
  return args
}

const toKey = (name: PowertoolsCacheValue): string | Buffer =>
  typeof name === 'string' ? name : Buffer.from(name.buffer, name.byteOffset, name.byteLength)

const toValue = (value: unknown): string | Buffer => {
  if (typeof value === 'string') return value
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  throw new TypeError(`powertoolsCacheClient: set value must be a string or bytes, got ${typeof value}`)
}

/**
 * Makes a pooled ioredis client (standalone or Cluster) usable as the `client` of Powertools'
 * `CachePersistenceLayer`, which calls node-redis' `set(key, value, { EX, NX })`; ioredis wants those as
 * positional arguments and answers the object form with `ERR syntax error`.
 *
 * Pass a function returning the client, e.g. `() => getRedisClient(options)`, to follow the pool: it replaces a
 * client that has died, and the adapter then uses the new one on the next call. A client passed directly is used
 * as it is for the adapter's lifetime.
 */
export const powertoolsCacheClient = (
  client: Redis | Cluster | (() => Redis | Cluster),
): PowertoolsCacheClient => {
  if (typeof client !== 'function' && (typeof client !== 'object' || client === null)) {
    throw new TypeError('powertoolsCacheClient needs an ioredis client or a function returning one')
  }
  const current = typeof client === 'function' ? client : () => client
  return {
    get: (name) => current().get(name),
    set: async (name, value, options) => {
      const args = setArguments(options)
      // ioredis' `set` overloads do not take a spread of mixed flags; `call` sends the same SET command.
      const reply = await current().call('SET', toKey(name), toValue(value), ...args)
      return reply === null ? null : String(reply)
    },
    del: (keys) => (keys.length === 0 ? Promise.resolve(0) : current().del(...keys)),
  }
}
