import middy, { type MiddlewareObj } from '@middy/core'
import type { APIGatewayProxyResult, Context } from 'aws-lambda'
import { jsonResponse } from '../../src/json-response.js'
import { lambdaContext } from './lambda-context.js'

export interface Invocation {
  statusCode: number
  body: unknown
  ms: number
}

/** Logs of 5xx causes the jsonResponse middleware would write, kept for assertions instead of printed. */
export const errorLogs: Array<Record<string, unknown>> = []

/**
 * A blocks-style Lambda: `jsonResponse()` first, then the pool, then `handler`. `invoke` calls it like the
 * Lambda runtime would and returns the proxy response with its parsed body and how long it took.
 */
export const lambdaWith = <TContext extends Context>(
  pool: MiddlewareObj<unknown, unknown, unknown, TContext>,
  handler: (event: unknown, context: TContext) => Promise<unknown>,
) => {
  const lambda = middy()
    .use(jsonResponse({ logger: (entry) => errorLogs.push(entry) }))
    .use(pool)
    .handler(handler)
  return async (remainingMs = 6000, event: unknown = {}): Promise<Invocation> => {
    const started = performance.now()
    const response = (await lambda(event, lambdaContext(remainingMs) as TContext)) as APIGatewayProxyResult
    return {
      statusCode: response.statusCode,
      body: JSON.parse(response.body) as unknown,
      ms: performance.now() - started,
    }
  }
}
