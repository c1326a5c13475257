// ElastiCache IAM authentication tokens, signed locally with node:crypto.
//
// The token is a SigV4 presigned `GET http://<cacheName>/?Action=connect&User=<userId>` for the service
// `elasticache`, without the scheme, valid up to 15 minutes. It is computed here with no AWS SDK: the blocks
// function runs in isolated subnets (no AWS API is reachable, and none is needed: signing is local), and the
// SDK's signer and credential chain would cost far more bundle size and cold-start time than these 60 lines.
// In Lambda the execution role's credentials are in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN, which is also the first place the SDK's default chain would look.
// test/elasticache-iam-auth.test.ts checks the output against @smithy/signature-v4 byte for byte.
import { createHash, createHmac } from 'node:crypto'

export interface AwsCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
}

export type AwsCredentialsProvider = () => AwsCredentials | Promise<AwsCredentials>

/** What it takes to sign an ElastiCache IAM authentication token. */
export interface ElastiCacheIamAuthOptions {
  /** Replication group id (node-based cache) or serverless cache name, lower case: the signed request's host. */
  cacheName: string
  /** The ElastiCache user id; for IAM authentication it equals the user name sent with AUTH. */
  userId: string
  /** True for ElastiCache Serverless: adds `ResourceType=ServerlessCache` to the signed request. */
  serverless?: boolean
  /** Region of the cache. Default: `AWS_REGION` (always set in Lambda). */
  region?: string
  /** Credentials or a provider of them. Default: the AWS_* environment variables, read at every signing. */
  credentials?: AwsCredentials | AwsCredentialsProvider
  /** Token lifetime in seconds; ElastiCache accepts at most 900 (15 minutes). Default 900. */
  expiresIn?: number
  /** Clock for the signing date, for tests. Default: `() => new Date()`. */
  now?: () => Date
}

/** ElastiCache rejects tokens signed for longer than 15 minutes. */
export const maxTokenLifetimeSeconds = 900

const service = 'elasticache'
const algorithm = 'AWS4-HMAC-SHA256'
const emptyBodySha256 = createHash('sha256').update('').digest('hex')

/** Credentials of the Lambda execution role, as the runtime provides them. */
export const environmentCredentials = (): AwsCredentials => {
  const accessKeyId = process.env.AWS_ACCESS_KEY_ID
  const secretAccessKey = process.env.AWS_SECRET_ACCESS_KEY
  if (!accessKeyId || !secretAccessKey) {
    throw new Error('elastiCacheIamAuth: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set')
  }
  return { accessKeyId, secretAccessKey, sessionToken: process.env.AWS_SESSION_TOKEN || undefined }
}

// RFC 3986 encoding as SigV4 canonical query strings require (encodeURIComponent leaves !'()* alone).
const encode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest()

const checkOptions = (options: ElastiCacheIamAuthOptions): void => {
  const { cacheName, userId, expiresIn } = options
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
}

/**
 * A password provider for ElastiCache IAM authentication: each call signs a fresh token. Give it to redisPool as
 * `password` (with `username` = userId) so every connect and reconnect authenticates with a token that has not
 * expired (ElastiCache also closes IAM-authenticated connections after 12 hours).
 */
export const elastiCacheIamAuth = (options: ElastiCacheIamAuthOptions): (() => Promise<string>) => {
  checkOptions(options)
  const { cacheName, userId, serverless = false, expiresIn = maxTokenLifetimeSeconds } = options
  const now = options.now ?? (() => new Date())
  const region = options.region ?? process.env.AWS_REGION
  if (region === undefined || region === '') {
    throw new TypeError('elastiCacheIamAuth: region is not set and AWS_REGION is empty')
  }
  const credentialsOption = options.credentials ?? environmentCredentials

  return async function elastiCacheIamToken(): Promise<string> {
    const credentials =
      typeof credentialsOption === 'function' ? await credentialsOption() : credentialsOption
    const longDate = now()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '')
    const shortDate = longDate.slice(0, 8)
    const scope = `${shortDate}/${region}/${service}/aws4_request`
    const query: Record<string, string> = {
      Action: 'connect',
      User: userId,
      'X-Amz-Algorithm': algorithm,
      'X-Amz-Credential': `${credentials.accessKeyId}/${scope}`,
      'X-Amz-Date': longDate,
      'X-Amz-Expires': String(expiresIn),
      'X-Amz-SignedHeaders': 'host',
    }
    if (serverless) query.ResourceType = 'ServerlessCache'
    if (credentials.sessionToken) query['X-Amz-Security-Token'] = credentials.sessionToken
    const queryString = (): string =>
      Object.keys(query)
        .sort()
        .map((key) => `${encode(key)}=${encode(query[key] as string)}`)
        .join('&')
    const canonicalQuery = queryString()
    const canonicalRequest = [
      'GET',
      '/',
      canonicalQuery,
      `host:${cacheName}`,
      '',
      'host',
      emptyBodySha256,
    ].join('\n')
    const stringToSign = [
      algorithm,
      longDate,
      scope,
      createHash('sha256').update(canonicalRequest).digest('hex'),
    ].join('\n')
    const signingKey = hmac(
      hmac(hmac(hmac(`AWS4${credentials.secretAccessKey}`, shortDate), region), service),
      'aws4_request',
    )
    query['X-Amz-Signature'] = hmac(signingKey, stringToSign).toString('hex')
    // The token is the presigned URL without its `http://` scheme.
    return `${cacheName}/?${queryString()}`
  }
}
