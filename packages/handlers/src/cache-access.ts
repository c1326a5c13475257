// The ACL of the blocks function's cache user: exactly the commands this package and the connection pool send, on
// the keys of keys.ts. The stack deploys it (ElastiCache user access string) and the tests apply the same string
// to a real redis-server user, so a command added to the code without being added here fails those tests.
//
// Where each command comes from (ioredis 6 as the pool configures it):
//   connection   INFO            ioredis's ready check on every connection (standalone and each cluster node).
//                HELLO, AUTH     not listed: Redis never checks no-auth commands against the ACL (ioredis 6
//                                speaks RESP3, so every connection starts with HELLO 3).
//                CLIENT SETINFO  not granted: ioredis labels the connection with it and ignores a refusal.
//                SELECT          not granted: the stack never sets a db, so ioredis stays on db 0 and never
//                                sends it (a `/db` in REDIS_URL would make every connection fail with NOPERM).
//   blocks API   SMEMBERS EXISTS SADD (list worlds, world set), HMGET (read a chunk), EVALSHA and EVAL (the
//                scripts of lua.ts: ioredis sends EVAL the first time on a connection, EVALSHA afterwards).
//   inside Lua   HGET HMGET HSET INCR SADD SCARD DEL SREM: `redis.call` is checked against the same ACL.
//   cluster      CLUSTER SLOTS (slot map), CLUSTER INFO (cluster ready check), ASKING (slot migration redirects),
//                READONLY / READWRITE (ioredis marks replica connections it opens for slot refreshes), CLIENT
//                SETNAME (ioredis names its slot refresh connection). All act on the connection or read topology.
//   durability   WAIT, only when writes wait for replicas.
//
// ElastiCache accepts this syntax: `on`, `~pattern`, `-@all`, `+command` and, for Valkey/Redis OSS 7.0 and later,
// `+command|subcommand` (docs/architecture.md, "The cache user's ACL").
import { KEY_PREFIX } from './blocks/keys.js'

export interface CacheAccessOptions {
  /** The client speaks the cluster protocol (ElastiCache Serverless, cluster mode enabled). */
  readonly clusterMode: boolean
  /** Writes are confirmed with `WAIT` by replicas before they are acknowledged. */
  readonly waitForReplicas: boolean
}

const connectionCommands = ['info'] as const
const apiCommands = ['smembers', 'exists', 'sadd', 'hmget', 'evalsha', 'eval'] as const
const scriptCommands = ['hget', 'hmget', 'hset', 'incr', 'sadd', 'scard', 'del', 'srem'] as const
const clusterCommands = [
  'cluster|slots',
  'cluster|info',
  'asking',
  'readonly',
  'readwrite',
  'client|setname',
] as const
const durabilityCommands = ['wait'] as const

/** Every command the user may run, lower case, each once, in a stable order. */
export const cacheCommands = (options: CacheAccessOptions): string[] => [
  ...new Set<string>([
    ...connectionCommands,
    ...apiCommands,
    ...scriptCommands,
    ...(options.clusterMode ? clusterCommands : []),
    ...(options.waitForReplicas ? durabilityCommands : []),
  ]),
]

/** The key pattern the user may touch: every key the blocks API builds (keys.ts), and no other. */
export const cacheKeyPattern = `${KEY_PREFIX}*`

/**
 * The access string of the blocks function's cache user: enabled, keys under `cubewalk:` only, no command but
 * those of {@link cacheCommands}. No password rule: ElastiCache sets credentials (here IAM) outside the string.
 */
export const cacheAccessString = (options: CacheAccessOptions): string =>
  ['on', `~${cacheKeyPattern}`, '-@all', ...cacheCommands(options).map((command) => `+${command}`)].join(' ')
