// API Gateway REST (v1.0) proxy events as a deployed API sends them behind our TOKEN authorizer, built on the
// recorded fixture lambda-authorizer-auth.json: single- and multi-value headers and query parameters, path
// without the stage (requestContext.path has it), pathParameters of a greedy resource, authorizer context.
import { randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda'

export const fixtureDir = fileURLToPath(new URL('../../../../fixtures/apigw-rest', import.meta.url))

export const readFixture = <T>(name: string): T =>
  JSON.parse(readFileSync(`${fixtureDir}/${name}`, 'utf8')) as T

const recorded = readFixture<APIGatewayProxyEvent>('lambda-authorizer-auth.json')

export type Values = Record<string, string | readonly string[]>

export interface RestEventInit {
  method: string
  /** Path without the stage, e.g. `/cubewalkblocks/w1/chunks/0,0,0`. */
  path: string
  query?: Values
  /** Added to the recorded headers; names as the client sent them (any case). */
  headers?: Values
  body?: string | null
  isBase64Encoded?: boolean
  /** principalId from the authorizer; null for a request that had none. Default `test-principal`. */
  principalId?: string | null
  /**
   * How the API Gateway resource is modelled: `proxy` = /cubewalkblocks/{proxy+} (default), `explicit` =
   * /cubewalkblocks/{world}/chunks/{chunk}, `none` = no pathParameters at all.
   */
  resource?: 'proxy' | 'explicit' | 'none'
}

const singleAndMulti = (values: Values | undefined) => {
  if (!values || Object.keys(values).length === 0) return { single: null, multi: null }
  const single: Record<string, string> = {}
  const multi: Record<string, string[]> = {}
  for (const [name, value] of Object.entries(values)) {
    const list = typeof value === 'string' ? [value] : [...value]
    // API Gateway's single-value map keeps the last value of a repeated header or parameter.
    single[name] = list[list.length - 1] ?? ''
    multi[name] = list
  }
  return { single, multi }
}

const resourceOf = (path: string, kind: RestEventInit['resource']) => {
  const rest = path.replace(/^\/cubewalkblocks\/?/, '')
  if (kind === 'none' || rest === '' || !path.startsWith('/cubewalkblocks')) {
    return {
      resource: path.startsWith('/cubewalkblocks/') ? '/cubewalkblocks/{proxy+}' : path,
      pathParameters: null,
    }
  }
  if (kind === 'explicit') {
    const [world = '', , chunk] = rest.split('/')
    return chunk === undefined
      ? { resource: '/cubewalkblocks/{world}/chunks', pathParameters: { world } }
      : { resource: '/cubewalkblocks/{world}/chunks/{chunk}', pathParameters: { world, chunk } }
  }
  return { resource: '/cubewalkblocks/{proxy+}', pathParameters: { proxy: rest } }
}

export const restEvent = (init: RestEventInit): APIGatewayProxyEvent => {
  const recordedMulti = recorded.multiValueHeaders as Record<string, string[]>
  const baseHeaders: Values = {}
  for (const [name, value] of Object.entries(recordedMulti)) {
    if (name !== 'Authorization') baseHeaders[name] = value
  }
  baseHeaders.token = 'test-token-not-secret-1'
  const headers = singleAndMulti({ ...baseHeaders, ...init.headers })
  const query = singleAndMulti(init.query)
  const { resource, pathParameters } = resourceOf(init.path, init.resource)
  const principalId = init.principalId === undefined ? 'test-principal' : init.principalId
  const requestContext = structuredClone(recorded.requestContext)
  requestContext.authorizer =
    principalId === null ? null : { principalId, integrationLatency: 3, tokenName: principalId }
  requestContext.httpMethod = init.method
  requestContext.resourcePath = resource
  requestContext.path = `/prod${init.path}`
  requestContext.requestId = randomUUID()
  return {
    ...structuredClone(recorded),
    resource,
    path: init.path,
    httpMethod: init.method,
    headers: headers.single ?? {},
    multiValueHeaders: headers.multi ?? {},
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters,
    requestContext,
    body: init.body ?? null,
    isBase64Encoded: init.isBase64Encoded ?? false,
  }
}

/** A JSON request body with the header a game client sends. */
export const jsonBody = (value: unknown): Pick<RestEventInit, 'body' | 'headers'> => ({
  body: JSON.stringify(value),
  headers: { 'Content-Type': 'application/json' },
})

/** A Lambda context with a deadline, as the pool caps its timeouts by the remaining time. */
export const lambdaContext = (timeoutMs = 10_000): Context => {
  const deadline = Date.now() + timeoutMs
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'cubewalk-blocks-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:cubewalk-blocks-test',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/cubewalk-blocks-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  }
}

export interface Response {
  statusCode: number
  headers: Record<string, string | number | boolean>
  body: string
  json: Record<string, unknown> | null
}

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>

/** Invokes a handler the way the Lambda runtime does and parses the JSON body when there is one. */
export const invoke = async (
  handler: ProxyHandler,
  event: APIGatewayProxyEvent,
  context = lambdaContext(),
) => {
  const result = await handler(event, context)
  let json: Record<string, unknown> | null = null
  if (result.body) json = JSON.parse(result.body) as Record<string, unknown>
  return { ...result, headers: result.headers ?? {}, json } as Response
}

/** Case-insensitive header lookup on a response. */
export const responseHeader = (response: Pick<Response, 'headers'>, name: string): string | undefined => {
  for (const [key, value] of Object.entries(response.headers)) {
    if (key.toLowerCase() === name.toLowerCase()) return String(value)
  }
  return undefined
}
