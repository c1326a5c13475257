import { ReplyError } from 'ioredis'

// Socket-level failures: the server (or the path to it) is gone, refusing, or unreachable.
const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  // Certificate checks that fail the TLS handshake: the server can't be used as configured.
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
])

// ioredis's own errors when it can't get a command to a server and back, recognised by their messages: a
// minifier (esbuild `minify`, NodejsFunction `minify: true`) renames classes, and ioredis and redis-errors derive
// `name` from the constructor (`get name() { return this.constructor.name }`), so a minified MaxRetriesPerRequestError
// is named something like `Ke`. ioredis exports neither MaxRetriesPerRequestError nor ClusterAllFailedError from its
// entry point, so `instanceof` is not available for them; their messages are fixed strings in ioredis 5 and 6.
// RedisNotReadyError (ours) carries code ETIMEDOUT.
const unavailableMessages = [
  // MaxRetriesPerRequestError: "Reached the max retries per request limit (which is 1). Refer to ..."
  'Reached the max retries per request limit',
  'Connection is closed.',
  'Command timed out',
  'Socket timeout.',
  "Stream isn't writeable",
  "Cluster isn't ready",
  'Cluster is ended.',
  'Cluster is disconnect',
  'Connection is aborted',
  'Connection is discarded',
  'Command aborted due to connection close',
  // ClusterAllFailedError
  'Failed to refresh slots cache.',
  'None of startup nodes is available',
  'Too many Cluster redirections.',
]

// Server replies that mean "not now" (failover, cluster reconfiguration, loading, credentials being rotated),
// never "your request is wrong". UNBLOCKED: a primary demoted by a failover ends every blocked command (a durable
// write's WAIT, a BLPOP) with it.
const unavailableReplies = /^(READONLY|CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN|NOAUTH|WRONGPASS|UNBLOCKED)\b/

// redis-errors' ReplyError, as ioredis exports it (typed `any` there). Every error reply extends it: ioredis 6's
// SimpleError/BlobError and the ReplyError ioredis 5's parser throws.
const ReplyErrorClass: abstract new (...args: never[]) => Error = ReplyError

/**
 * A reply from the server (as opposed to a client-side failure). `instanceof` survives minification; the name check
 * covers a reply built by another copy of ioredis 6, whose SimpleError/BlobError return the literal `'ReplyError'`
 * (a string a minifier keeps), unlike redis-errors' own ReplyError, whose name is its (renamed) constructor's.
 */
const isReplyError = (error: Error): boolean =>
  error.name === 'ReplyError' || error instanceof ReplyErrorClass

/** The server refused the credentials (WRONGPASS to AUTH), as opposed to a network or connection failure. */
export function isWrongPasswordReply(error: unknown): boolean {
  return error instanceof Error && isReplyError(error) && error.message.startsWith('WRONGPASS')
}

const field = (error: Error, key: string): unknown => (error as unknown as Record<string, unknown>)[key]

/**
 * True when `error` says Redis could not be reached or could not serve right now (connection refused, reset or
 * closed, timeouts, retries exhausted, TLS failures, CLUSTERDOWN, READONLY, LOADING, ...). False for HTTP errors
 * and for replies about the request itself (WRONGTYPE, syntax, script errors): those are the application's.
 */
export const isRedisUnavailableError = (error: unknown): boolean => {
  if (!(error instanceof Error)) return false
  if (typeof field(error, 'statusCode') === 'number' || typeof field(error, 'status') === 'number')
    return false
  const code = field(error, 'code')
  if (typeof code === 'string' && (unavailableCodes.has(code) || code.startsWith('ERR_TLS_'))) return true
  const message = error.message
  if (typeof message !== 'string') return false
  if (isReplyError(error)) return unavailableReplies.test(message)
  for (const prefix of unavailableMessages) if (message.startsWith(prefix)) return true
  return false
}

const maxCauseDepth = 4

/**
 * The Redis-unavailable error behind `error`: `error` itself, or the first one down its `cause` chain, where a
 * library that called Redis for us wrapped it (Powertools Idempotency's IdempotencyPersistenceLayerError wraps the
 * ioredis error of a failed record save). An HTTP error in the chain ends the search: it has been decided already.
 */
export const redisUnavailableCause = (error: unknown): Error | undefined => {
  let current = error
  for (let depth = 0; depth <= maxCauseDepth && current instanceof Error; depth++) {
    if (isRedisUnavailableError(current)) return current
    if (typeof field(current, 'statusCode') === 'number' || typeof field(current, 'status') === 'number')
      return
    current = current.cause
  }
  return undefined
}

/** A command that got no answer in time: the connection itself may be dead. */
export const isRedisTimeoutError = (error: unknown): boolean =>
  error instanceof Error &&
  (error.message === 'Command timed out' || error.message.startsWith('Socket timeout.'))

/**
 * The 503 the pool (and durableWrites) throws when Redis can't be used, with the original error as `cause`: the
 * package's only HTTP error. Same name, message, `status` = `statusCode` = 503 and `expose: false` as the 503 of
 * http-errors and of middy's createError, so `createError.isHttpError()` is true for it and jsonResponse, middy's
 * http-error-handler and http-errors-aware code all read it alike. Not one of theirs, by measurement
 * (bench/error-source.bench.mjs): @middy/util imports node:http, whose ESM facade adds ~50 ms of CPU to a cold
 * start of a bundle that has no other use for it; http-errors adds 8 kB and ~2 ms.
 */
export class ServiceUnavailableError extends Error {
  readonly status = 503
  readonly statusCode = 503
  readonly expose = false

  constructor(cause: unknown) {
    super('Service Unavailable', { cause })
    this.name = 'ServiceUnavailableError'
  }
}

export const serviceUnavailable = (cause: unknown): ServiceUnavailableError =>
  new ServiceUnavailableError(cause)
