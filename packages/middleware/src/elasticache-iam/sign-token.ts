// ElastiCache IAM authentication tokens, signed locally with node:crypto.
//
// The token is a SigV4 presigned `GET http://<cacheName>/?Action=connect&User=<userId>` for the service
// `elasticache`, without the scheme. It is computed here with no AWS SDK: a function in isolated subnets reaches
// no AWS API (and needs none: signing is local), and the SDK's signer and credential chain would cost far more
// bundle size and cold-start time than these lines. test/elasticache-iam.test.ts checks the output against the
// SDK's own signer (@smithy/signature-v4) byte for byte.
import { createHash, createHmac } from 'node:crypto'
import type { AwsCredentials } from './aws-credentials.js'

/** Everything one signature depends on. */
export interface TokenRequest {
  readonly cacheName: string
  readonly userId: string
  readonly serverless: boolean
  readonly region: string
  readonly expiresInSeconds: number
  readonly credentials: AwsCredentials
  readonly date: Date
}

const service = 'elasticache'
const algorithm = 'AWS4-HMAC-SHA256'
const emptyBodySha256 = createHash('sha256').update('').digest('hex')

// RFC 3986 encoding as SigV4 canonical query strings require (encodeURIComponent leaves !'()* alone).
const encode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest()

/** The token for `request`: the presigned URL without its `http://` scheme. */
export const signElastiCacheIamToken = (request: TokenRequest): string => {
  const { cacheName, userId, serverless, region, expiresInSeconds, credentials, date } = request
  const longDate = date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '')
  const shortDate = longDate.slice(0, 8)
  const scope = `${shortDate}/${region}/${service}/aws4_request`
  // Keys are fixed names, values strings: a prototype-free map all the same, as the repo's rule asks.
  const query = new Map<string, string>([
    ['Action', 'connect'],
    ['User', userId],
    ['X-Amz-Algorithm', algorithm],
    ['X-Amz-Credential', `${credentials.accessKeyId}/${scope}`],
    ['X-Amz-Date', longDate],
    ['X-Amz-Expires', String(expiresInSeconds)],
    ['X-Amz-SignedHeaders', 'host'],
  ])
  if (serverless) query.set('ResourceType', 'ServerlessCache')
  if (credentials.sessionToken) query.set('X-Amz-Security-Token', credentials.sessionToken)
  const queryString = (): string =>
    [...query.keys()]
      .sort()
      .map((key) => `${encode(key)}=${encode(query.get(key) as string)}`)
      .join('&')
  const canonicalRequest = ['GET', '/', queryString(), `host:${cacheName}`, '', 'host', emptyBodySha256].join(
    '\n',
  )
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
  query.set('X-Amz-Signature', hmac(signingKey, stringToSign).toString('hex'))
  return `${cacheName}/?${queryString()}`
}
