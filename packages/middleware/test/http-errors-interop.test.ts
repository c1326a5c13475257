// The package throws one HTTP error of its own, ServiceUnavailableError, and reads every other one by its fields.
// It must look exactly like the 503 http-errors and middy's createError build, so code written for either
// (isHttpError checks, middy's error handlers, jsonResponse) treats all three alike.
import middy from '@middy/core'
import { createError as middyCreateError } from '@middy/util'
import type { APIGatewayProxyResult } from 'aws-lambda'
import createError from 'http-errors'
import { describe, expect, it } from 'vitest'
import { jsonResponse } from '../src/json-response.js'
import { ServiceUnavailableError } from '../src/redis-pool.js'
import { lambdaContext } from './support/lambda-context.js'

const fields = (error: Error & Record<string, unknown>) => ({
  name: error.name,
  message: error.message,
  status: error.status,
  statusCode: error.statusCode,
  expose: error.expose,
})

const cause = new Error('connect ECONNREFUSED 127.0.0.1:6379')
// middy's typings require a message; at run time it defaults to the status text, as http-errors' does.
const middy503 = () => middyCreateError(503, undefined as never)

describe('ServiceUnavailableError and the HTTP errors of http-errors and middy', () => {
  it('has the same name, message, status, statusCode and expose as their 503', () => {
    const ours = fields(new ServiceUnavailableError(cause) as never)
    expect(ours).toEqual(fields(createError(503) as never))
    expect(ours).toEqual(fields(middy503() as never))
    expect(ours).toEqual({
      name: 'ServiceUnavailableError',
      message: 'Service Unavailable',
      status: 503,
      statusCode: 503,
      expose: false,
    })
  })

  it('is an http error to http-errors and keeps its cause', () => {
    const error = new ServiceUnavailableError(cause)
    expect(createError.isHttpError(error)).toBe(true)
    expect(error).toBeInstanceOf(Error)
    expect(error.cause).toBe(cause)
  })

  it('gets the same response from jsonResponse as the other two, and only it logs the cause chain', async () => {
    const answer = async (error: Error) => {
      const logged: unknown[] = []
      const handler = middy()
        .use(jsonResponse({ logger: (entry) => logged.push(entry) }))
        .handler(async () => {
          throw error
        })
      const response = (await handler({}, lambdaContext(6000))) as APIGatewayProxyResult
      return { response, logged }
    }
    const ours = await answer(new ServiceUnavailableError(cause))
    for (const other of [createError(503), middy503()]) {
      expect((await answer(other)).response).toEqual(ours.response)
    }
    expect(ours.response).toEqual({
      statusCode: 503,
      headers: { 'Content-Type': 'application/json' },
      body: '{"message":"Service Unavailable"}',
    })
    expect(ours.logged).toMatchObject([
      {
        statusCode: 503,
        error: { name: 'ServiceUnavailableError', cause: { message: cause.message } },
      },
    ])
  })
})
