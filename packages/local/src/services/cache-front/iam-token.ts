// Checks an ElastiCache IAM authentication token as ElastiCache does: a SigV4-presigned
// `GET http://<cache name>/?Action=connect&User=<user id>` for the service `elasticache`, sent without its scheme as
// the AUTH password. The signature is recomputed with the local credentials the runner gives the functions (fake
// ones: nothing here ever reaches AWS), and the request must name this cache, this user and `connect`, and be
// within its lifetime (at most 15 minutes).

import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

export interface LocalAwsCredentials {
  readonly accessKeyId: string
  readonly secretAccessKey: string
  readonly sessionToken?: string | undefined
}

export interface IamTokenExpectation {
  /** Replication group id or serverless cache name: the token's host. */
  readonly cacheName: string
  /** ElastiCache Serverless tokens carry `ResourceType=ServerlessCache`; node-based ones do not. */
  readonly serverless: boolean
  readonly region: string
  readonly credentials: LocalAwsCredentials
}

export type IamTokenVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: string }

/** ElastiCache accepts a token for at most 15 minutes. */
export const MAX_TOKEN_LIFETIME_SECONDS = 900
/** How far in the future a token's signing time may be (a client clock running ahead), as SigV4 services allow. */
const ALLOWED_CLOCK_SKEW_MS = 5 * 60 * 1000
const SERVICE = 'elasticache'
const ALGORITHM = 'AWS4-HMAC-SHA256'
const EMPTY_BODY_SHA256 = createHash('sha256').update('').digest('hex')

const encode = (value: string): string =>
  encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest()

const refuse = (reason: string): IamTokenVerdict => ({ ok: false, reason })

/** The signing time of `X-Amz-Date` (`YYYYMMDDTHHMMSSZ`), or undefined if malformed. */
const parseAmzDate = (value: string): Date | undefined => {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value)
  if (!match) return undefined
  const [, y, mo, d, h, mi, s] = match
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`)
  return Number.isNaN(date.getTime()) ? undefined : date
}

/** When the token was signed, if it parses at all (for expiring tokens signed before a moment). */
export const iamTokenSignedAt = (token: string): Date | undefined => {
  const query = token.indexOf('/?')
  if (query === -1) return undefined
  const date = new URLSearchParams(token.slice(query + 2)).get('X-Amz-Date')
  return date === null ? undefined : parseAmzDate(date)
}

/**
 * Verifies `token` sent by `user` at `now`. The verdict's reason is for the runner's log; the client only ever
 * sees ElastiCache's one refusal.
 */
export const verifyIamToken = (
  token: string,
  user: string,
  expected: IamTokenExpectation,
  now: Date,
): IamTokenVerdict => {
  const slash = token.indexOf('/?')
  if (slash === -1) return refuse('not a presigned request (no "/?")')
  const host = token.slice(0, slash)
  if (host !== expected.cacheName) return refuse(`signed for cache "${host}", not "${expected.cacheName}"`)
  // A Map: names and values come from the client.
  const params = new Map<string, string>()
  for (const [name, value] of new URLSearchParams(token.slice(slash + 2))) {
    if (params.has(name)) return refuse(`parameter ${name} given twice`)
    params.set(name, value)
  }
  const get = (name: string): string | undefined => params.get(name)

  if (get('Action') !== 'connect') return refuse(`Action is ${JSON.stringify(get('Action'))}, not "connect"`)
  if (get('User') !== user) return refuse(`signed for user "${get('User')}", sent by "${user}"`)
  const resourceType = get('ResourceType')
  if (expected.serverless && resourceType !== 'ServerlessCache')
    return refuse('a serverless cache needs ResourceType=ServerlessCache')
  if (!expected.serverless && resourceType !== undefined)
    return refuse(`ResourceType=${resourceType} on a node-based cache`)
  if (get('X-Amz-Algorithm') !== ALGORITHM) return refuse(`algorithm is not ${ALGORITHM}`)
  if (get('X-Amz-SignedHeaders') !== 'host') return refuse('signed headers are not "host"')

  const amzDate = get('X-Amz-Date') ?? ''
  const signedAt = parseAmzDate(amzDate)
  if (!signedAt) return refuse('X-Amz-Date is missing or malformed')
  const expiresText = get('X-Amz-Expires') ?? ''
  const expires = /^\d+$/.test(expiresText) ? Number(expiresText) : Number.NaN
  if (!(expires >= 1 && expires <= MAX_TOKEN_LIFETIME_SECONDS))
    return refuse(`X-Amz-Expires must be 1 to ${MAX_TOKEN_LIFETIME_SECONDS} seconds, got "${expiresText}"`)
  const age = now.getTime() - signedAt.getTime()
  if (age > expires * 1000) return refuse(`expired ${Math.round(age / 1000 - expires)} s ago`)
  if (age < -ALLOWED_CLOCK_SKEW_MS) return refuse('signed in the future')

  const shortDate = amzDate.slice(0, 8)
  const scope = `${shortDate}/${expected.region}/${SERVICE}/aws4_request`
  const credential = get('X-Amz-Credential') ?? ''
  const accessKeyId = credential.slice(0, credential.indexOf('/'))
  if (accessKeyId !== expected.credentials.accessKeyId)
    return refuse(`signed with access key "${accessKeyId}", not the function's`)
  if (credential !== `${accessKeyId}/${scope}`) return refuse(`credential scope is not ${scope}`)
  if (get('X-Amz-Security-Token') !== expected.credentials.sessionToken)
    return refuse("session token is not the function's")

  const signature = get('X-Amz-Signature') ?? ''
  params.delete('X-Amz-Signature')
  const canonicalQuery = [...params.keys()]
    .sort()
    .map((name) => `${encode(name)}=${encode(params.get(name) as string)}`)
    .join('&')
  const canonicalRequest = ['GET', '/', canonicalQuery, `host:${host}`, '', 'host', EMPTY_BODY_SHA256].join(
    '\n',
  )
  const stringToSign = [
    ALGORITHM,
    amzDate,
    scope,
    createHash('sha256').update(canonicalRequest).digest('hex'),
  ].join('\n')
  const key = hmac(
    hmac(hmac(hmac(`AWS4${expected.credentials.secretAccessKey}`, shortDate), expected.region), SERVICE),
    'aws4_request',
  )
  const wanted = hmac(key, stringToSign)
  // Buffer.from(hex) would drop a stray trailing digit: the signature must be exactly 64 hex digits.
  const given = /^[0-9a-f]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0)
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted))
    return refuse('signature does not match')
  return { ok: true }
}
