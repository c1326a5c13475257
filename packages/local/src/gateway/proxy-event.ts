// The Lambda proxy integration event (REST API, payload 1.0), shaped like the recorded events in
// shared/fixtures/apigw-rest: `path` without the stage, `requestContext.path` with it, single- and
// multi-value headers and query strings, `null` for what is absent.

import type { APIGatewayProxyEvent } from 'aws-lambda'

export interface RequestFacts {
  method: string
  /** Path after the stage, still percent-encoded, starting with `/`. */
  path: string
  rawQuery: string
  /** Header name/value pairs in arrival order, original case (Node's `rawHeaders`). */
  rawHeaders: string[]
  body: Buffer
  sourceIp: string
  protocol: string
  requestId: string
  extendedRequestId: string
  traceId: string
  startedAt: number
}

export interface RouteFacts {
  apiId: string
  accountId: string
  stage: string
  deploymentId: string
  stageVariables: Record<string, string> | null
  resourceId: string
  resourcePath: string
  pathParameters: Record<string, string> | null
  domainName: string
  binaryMediaTypes: string[]
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

let cachedSecond = -1
let cachedTime = ''

/** `17/Jun/2024:14:52:41 +0000`, API Gateway's requestTime (formatted once per second). */
export function requestTime(epochMs: number): string {
  const second = Math.floor(epochMs / 1000)
  if (second === cachedSecond) return cachedTime
  const d = new Date(epochMs)
  const two = (n: number) => String(n).padStart(2, '0')
  cachedTime = `${two(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${two(d.getUTCHours())}:${two(
    d.getUTCMinutes(),
  )}:${two(d.getUTCSeconds())} +0000`
  cachedSecond = second
  return cachedTime
}

export interface ParsedHeaders {
  single: Record<string, string>
  multi: Record<string, string[]>
  /** Lower-cased name -> last value, for case-insensitive lookups. */
  lower: Map<string, string>
}

/**
 * A map keyed by request input: without a prototype, so a header or query name such as `__proto__`,
 * `constructor` or `toString` is an ordinary key rather than an inherited member.
 */
export function inputMap<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>
}

/** Keeps the case clients sent; the last value of a repeated header wins in `headers`, as on AWS. */
export function parseHeaders(rawHeaders: string[]): ParsedHeaders {
  const single = inputMap<string>()
  const multi = inputMap<string[]>()
  const lower = new Map<string, string>()
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    const value = rawHeaders[i + 1] as string
    single[name] = value
    lower.set(name.toLowerCase(), value)
    const list = multi[name]
    if (list) list.push(value)
    else multi[name] = [value]
  }
  return { single, multi, lower }
}

/** Case-insensitive header lookup on parsed headers or a plain record. */
export function headerValue(
  headers: ParsedHeaders | Record<string, string>,
  name: string,
): string | undefined {
  if (headers.lower instanceof Map) return (headers as ParsedHeaders).lower.get(name.toLowerCase())
  const record = headers as Record<string, string>
  const direct = record[name]
  if (direct !== undefined) return direct
  const wanted = name.toLowerCase()
  for (const key in record) if (key.toLowerCase() === wanted) return record[key]
  return undefined
}

export interface ParsedQuery {
  single: Record<string, string> | null
  multi: Record<string, string[]> | null
}

/** API Gateway REST APIs split a query string at a raw `;` as at `&` (an encoded `%3B` stays in the value). */
export function parseQuery(rawQuery: string): ParsedQuery {
  if (rawQuery === '') return { single: null, multi: null }
  const single = inputMap<string>()
  const multi = inputMap<string[]>()
  for (const [key, value] of new URLSearchParams(rawQuery.replaceAll(';', '&'))) {
    single[key] = value
    const list = multi[key]
    if (list) list.push(value)
    else multi[key] = [value]
  }
  return Object.keys(single).length === 0 ? { single: null, multi: null } : { single, multi }
}

function mediaTypeMatches(patterns: string[], contentType: string | undefined): boolean {
  if (!contentType || patterns.length === 0) return false
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase()
  return patterns.some((pattern) => {
    const p = pattern.toLowerCase().replace('~1', '/')
    if (p === '*/*') return true
    if (p.endsWith('/*')) return type.startsWith(p.slice(0, -1))
    return p === type
  })
}

export { mediaTypeMatches }

/**
 * The function gets what Lambda's JSON.parse would give it: ordinary objects whose keys are all own data
 * properties (`__proto__` included, as JSON.parse defines it), never the runner's prototype-free maps.
 */
function asParsedJson<T>(map: Record<string, T> | null): Record<string, T> | null {
  return map === null ? null : Object.fromEntries(Object.entries(map))
}

export function buildProxyEvent(
  request: RequestFacts,
  route: RouteFacts,
  headers: ParsedHeaders,
  query: ParsedQuery,
  authorizer: Record<string, unknown> | undefined,
): APIGatewayProxyEvent {
  const epoch = request.startedAt
  // API Gateway adds these before the integration sees the request. The parsed headers are this request's
  // own objects, so they are completed in place rather than copied.
  const single = headers.single
  const multi = headers.multi
  const add = (name: string, value: string) => {
    if (headers.lower.has(name.toLowerCase())) return
    single[name] = value
    multi[name] = [value]
  }
  add('X-Amzn-Trace-Id', request.traceId)
  add('X-Forwarded-For', request.sourceIp)
  add('X-Forwarded-Port', route.domainName.split(':')[1] ?? '80')
  add('X-Forwarded-Proto', 'http')

  const binary =
    route.binaryMediaTypes.length > 0 &&
    mediaTypeMatches(route.binaryMediaTypes, headers.lower.get('content-type'))
  const hasBody = request.body.length > 0
  const userAgent = headers.lower.get('user-agent') ?? null
  const event = {
    resource: route.resourcePath,
    path: request.path,
    httpMethod: request.method,
    headers: asParsedJson(single),
    multiValueHeaders: asParsedJson(multi),
    queryStringParameters: asParsedJson(query.single),
    multiValueQueryStringParameters: asParsedJson(query.multi),
    pathParameters: asParsedJson(route.pathParameters),
    stageVariables: route.stageVariables,
    requestContext: {
      resourceId: route.resourceId,
      ...(authorizer ? { authorizer } : {}),
      resourcePath: route.resourcePath,
      httpMethod: request.method,
      extendedRequestId: request.extendedRequestId,
      requestTime: requestTime(epoch),
      path: `/${route.stage}${request.path === '/' ? '' : request.path}`,
      accountId: route.accountId,
      protocol: request.protocol,
      stage: route.stage,
      domainPrefix: route.domainName.split('.')[0] ?? route.domainName,
      requestTimeEpoch: epoch,
      requestId: request.requestId,
      identity: {
        cognitoIdentityPoolId: null,
        accountId: null,
        cognitoIdentityId: null,
        caller: null,
        sourceIp: request.sourceIp,
        principalOrgId: null,
        accessKey: null,
        cognitoAuthenticationType: null,
        cognitoAuthenticationProvider: null,
        userArn: null,
        userAgent,
        user: null,
        apiKey: null,
        apiKeyId: null,
        clientCert: null,
      },
      domainName: route.domainName,
      deploymentId: route.deploymentId,
      apiId: route.apiId,
    },
    body: hasBody ? (binary ? request.body.toString('base64') : request.body.toString('utf8')) : null,
    isBase64Encoded: hasBody && binary,
  }
  return event as unknown as APIGatewayProxyEvent
}
