// `@cubewalk/middleware/elasticache-iam`: a password provider for redisPool that authenticates with ElastiCache
// IAM tokens signed locally from the Lambda execution role. No AWS SDK, no ioredis: node:crypto only.
import {
  type AwsCredentials,
  type AwsCredentialsProvider,
  environmentCredentials,
} from './elasticache-iam/aws-credentials.js'
import { signElastiCacheIamToken } from './elasticache-iam/sign-token.js'

export { type AwsCredentials, type AwsCredentialsProvider, environmentCredentials }

/** ElastiCache rejects tokens signed for longer than 15 minutes. */
export const maxTokenLifetimeSeconds = 900

/** ElastiCache disconnects an IAM-authenticated connection 12 hours after it authenticated. */
export const elastiCacheIamConnectionLimitMs = 12 * 60 * 60 * 1000

/** Default: AUTH again on every live connection after 11 hours, an hour ahead of the limit. */
export const defaultReauthenticateAfterMs = 11 * 60 * 60 * 1000

/** What it takes to sign an ElastiCache IAM authentication token. */
export interface ElastiCacheIamAuthOptions {
  /** Replication group id (node-based cache) or serverless cache name, lower case: the signed request's host. */
  cacheName: string
  /** The ElastiCache user id; for IAM authentication it equals the user name sent with AUTH (`username`). */
  userId: string
  /** True for ElastiCache Serverless: adds `ResourceType=ServerlessCache` to the signed request. */
  serverless?: boolean
  /** Region of the cache. Default: `AWS_REGION` (always set in Lambda). */
  region?: string
  /** Credentials or a provider of them. Default: the AWS_* environment variables, read at every signing. */
  credentials?: AwsCredentials | AwsCredentialsProvider
  /**
   * Token lifetime in seconds; ElastiCache accepts at most 900 (15 minutes). Default 900. A token is reused
   * for two thirds of it (10 minutes by default), so every AUTH sends one with a third of its life left.
   */
  expiresIn?: number
  /**
   * Milliseconds after which the pool sends AUTH with a fresh token on each live connection, so ElastiCache's
   * 12-hour limit never closes one under a request. Default 11 hours; less than 12 hours.
   */
  reauthenticateAfterMs?: number
  /** Clock for the signing date and the token's age, for tests. Default: `() => new Date()`. */
  now?: () => Date
}

/**
 * A redisPool `password` provider: resolves to a valid token (reused while it has a third of its lifetime
 * left, then signed afresh), and tells the pool, through `reauthenticateAfterMs`, to authenticate every live
 * connection again ahead of ElastiCache's 12-hour limit.
 */
export interface ElastiCacheIamPasswordProvider {
  (): Promise<string>
  readonly reauthenticateAfterMs: number
  /**
   * The cache refused `token` (WRONGPASS): it is not handed out again, and the next call signs a new one. The pool
   * calls it; a token can be refused before its time when the credentials that signed it expired or were revoked.
   */
  readonly refused: (token: string) => void
}

const checkOptions = (options: ElastiCacheIamAuthOptions): void => {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('elastiCacheIamAuth: options must be an object with cacheName and userId')
  }
  const { cacheName, userId, expiresIn, reauthenticateAfterMs, credentials, now } = options
  if (typeof cacheName !== 'string' || !/^[a-z][a-z0-9-]*$/.test(cacheName)) {
    throw new TypeError(
      'elastiCacheIamAuth: cacheName must be a lower-case replication group id or cache name',
    )
  }
  if (typeof userId !== 'string' || userId.length === 0) {
    throw new TypeError('elastiCacheIamAuth: userId must be a non-empty ElastiCache user id')
  }
  if (
    expiresIn !== undefined &&
    !(Number.isInteger(expiresIn) && expiresIn > 0 && expiresIn <= maxTokenLifetimeSeconds)
  ) {
    throw new RangeError(
      `elastiCacheIamAuth: expiresIn must be an integer from 1 to ${maxTokenLifetimeSeconds}`,
    )
  }
  if (
    reauthenticateAfterMs !== undefined &&
    !(
      Number.isInteger(reauthenticateAfterMs) &&
      reauthenticateAfterMs > 0 &&
      reauthenticateAfterMs < elastiCacheIamConnectionLimitMs
    )
  ) {
    throw new RangeError(
      `elastiCacheIamAuth: reauthenticateAfterMs must be an integer from 1 to ${elastiCacheIamConnectionLimitMs - 1} (under 12 hours)`,
    )
  }
  if (credentials !== undefined && typeof credentials !== 'function' && typeof credentials !== 'object') {
    throw new TypeError('elastiCacheIamAuth: credentials must be an object or a function returning one')
  }
  if (now !== undefined && typeof now !== 'function') {
    throw new TypeError('elastiCacheIamAuth: now must be a function returning a Date')
  }
}

const checkCredentials = (credentials: AwsCredentials): AwsCredentials => {
  if (
    credentials === null ||
    typeof credentials !== 'object' ||
    typeof credentials.accessKeyId !== 'string' ||
    credentials.accessKeyId === '' ||
    typeof credentials.secretAccessKey !== 'string' ||
    credentials.secretAccessKey === ''
  ) {
    throw new TypeError('elastiCacheIamAuth: credentials need a non-empty accessKeyId and secretAccessKey')
  }
  return credentials
}

/**
 * A password provider for ElastiCache IAM authentication. Give it to redisPool as `password`, with `username` =
 * `userId`: every connect and reconnect authenticates with an unexpired token, and every live connection
 * authenticates again after `reauthenticateAfterMs`.
 */
export const elastiCacheIamAuth = (options: ElastiCacheIamAuthOptions): ElastiCacheIamPasswordProvider => {
  checkOptions(options)
  const {
    cacheName,
    userId,
    serverless = false,
    expiresIn = maxTokenLifetimeSeconds,
    reauthenticateAfterMs = defaultReauthenticateAfterMs,
  } = options
  const now = options.now ?? (() => new Date())
  const region = options.region ?? process.env.AWS_REGION
  if (region === undefined || region === '') {
    throw new TypeError('elastiCacheIamAuth: region is not set and AWS_REGION is empty')
  }
  const credentialsOption = options.credentials ?? environmentCredentials
  const reuseMs = Math.floor((expiresIn * 1000 * 2) / 3)

  let cached: { token: string; signedAt: number } | undefined
  // Connections opened together (cluster nodes, a burst) share one signing rather than each signing their own.
  let signing: Promise<string> | undefined

  const sign = async (): Promise<string> => {
    const credentials = checkCredentials(
      typeof credentialsOption === 'function' ? await credentialsOption() : credentialsOption,
    )
    const date = now()
    const token = signElastiCacheIamToken({
      cacheName,
      userId,
      serverless,
      region,
      expiresInSeconds: expiresIn,
      credentials,
      date,
    })
    cached = { token, signedAt: date.getTime() }
    return token
  }

  const elastiCacheIamToken = (): Promise<string> => {
    if (cached !== undefined) {
      const age = now().getTime() - cached.signedAt
      // A clock that went back cannot tell the token's age: sign again.
      if (age >= 0 && age < reuseMs) return Promise.resolve(cached.token)
    }
    signing ??= sign().finally(() => {
      signing = undefined
    })
    return signing
  }
  const refused = (token: string): void => {
    // Only the token refused: a newer one signed meanwhile (by another connection's attempt) may be good.
    if (cached?.token === token) cached = undefined
  }
  return Object.assign(elastiCacheIamToken, { reauthenticateAfterMs, refused })
}
