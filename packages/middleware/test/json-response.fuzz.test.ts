import { STATUS_CODES } from 'node:http'
import middy from '@middy/core'
import type { APIGatewayProxyResult, Context } from 'aws-lambda'
import fc from 'fast-check'
import createError from 'http-errors'
import { describe, expect, it } from 'vitest'
import { jsonResponse } from '../src/json-response.js'

const context = { awsRequestId: 'fuzz-request-id' } as Context
const numRuns = 400

interface Outcome {
  response: APIGatewayProxyResult
  logs: string[]
}

const invoke = async (handler: () => unknown): Promise<Outcome> => {
  const logs: string[] = []
  const lambda = middy(async (): Promise<unknown> => handler()).use(
    // Serialised here: an entry a structured logger cannot encode would never reach the log, and fail below.
    jsonResponse({ logger: (entry) => logs.push(JSON.stringify(entry)) }),
  )
  const response = (await lambda({}, context)) as APIGatewayProxyResult
  return { response, logs }
}

const throwing = (value: unknown) => () => {
  throw value
}

const isHttpStatus = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 400 && value <= 599

/** The contract every error response meets, whatever was thrown. */
const expectJsonError = ({ response, logs }: Outcome): { message: string } => {
  expect(Number.isInteger(response.statusCode)).toBe(true)
  expect(response.statusCode).toBeGreaterThanOrEqual(400)
  expect(response.statusCode).toBeLessThanOrEqual(599)
  expect(response.headers?.['Content-Type']).toBe('application/json')
  for (const value of Object.values(response.headers ?? {})) {
    expect(['string', 'number']).toContain(typeof value)
    expect(String(value)).not.toMatch(/[\r\n]/)
  }
  expect(typeof response.body).toBe('string')
  const body: unknown = JSON.parse(response.body)
  expect(body).toBeTypeOf('object')
  expect(body).not.toBeNull()
  expect(Object.keys(body as object)).toEqual(['message'])
  const { message } = body as { message: unknown }
  expect(typeof message).toBe('string')
  if (response.statusCode >= 500) {
    expect(message).toBe(STATUS_CODES[response.statusCode] ?? 'Internal Server Error')
    expect(logs).toHaveLength(1)
    expect(JSON.parse(logs[0] ?? '')).toMatchObject({
      statusCode: response.statusCode,
      awsRequestId: 'fuzz-request-id',
    })
  } else {
    expect(logs).toEqual([])
  }
  return { message: message as string }
}

const anyValue = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withTypedArray: true,
  withSparseArray: true,
  withUnicodeString: true,
})

const oddStatus = fc.oneof(
  fc.integer({ min: -1_000, max: 1_000 }),
  fc.integer({ min: 400, max: 599 }),
  fc.double(),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0, 200, 302, 999, 404.5),
  fc.string(),
  fc.constantFrom('404', '500', ' 503 '),
  anyValue,
)

const oddFields = fc.record(
  {
    status: oddStatus,
    statusCode: oddStatus,
    expose: fc.oneof(fc.boolean(), anyValue),
    message: fc.oneof(fc.string(), anyValue),
    name: fc.oneof(fc.constantFrom('TimeoutError', 'AbortError', 'HttpError'), fc.string(), anyValue),
    headers: fc.oneof(
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.double(), anyValue)),
      anyValue,
    ),
    cause: anyValue,
  },
  { requiredKeys: [] },
)

const errorWithOddFields = oddFields.map((fields) => {
  const error = new Error('fuzz')
  for (const [key, value] of Object.entries(fields)) {
    Object.defineProperty(error, key, { value, configurable: true, writable: true, enumerable: true })
  }
  return error
})

const httpErrorStatuses = Object.keys(createError)
  .filter((key) => /^\d+$/.test(key))
  .map(Number)
  .filter((status) => status >= 400 && status <= 599)

const httpError = fc
  .record({ status: fc.constantFrom(...httpErrorStatuses), message: fc.string({ unit: 'grapheme' }) })
  .map(({ status, message }) => ({ status, message, error: createError(status, message) }))

/** What the middleware must choose for a thrown value with these fields. */
const expectedStatus = (thrown: unknown): number => {
  if (typeof thrown !== 'object' || thrown === null) return 500
  const { status, statusCode } = thrown as { status?: unknown; statusCode?: unknown }
  if (isHttpStatus(status)) return status
  if (isHttpStatus(statusCode)) return statusCode
  if (thrown instanceof Error && thrown.name === 'TimeoutError') return 504
  if (
    thrown instanceof Error &&
    thrown.name === 'AbortError' &&
    thrown.cause instanceof Error &&
    thrown.cause.name === 'TimeoutError'
  ) {
    return 504
  }
  return 500
}

describe('jsonResponse fuzz: every thrown value becomes a JSON error response', () => {
  it('fc.anything() thrown → 500 JSON, logged', async () => {
    await fc.assert(
      fc.asyncProperty(anyValue, async (thrown) => {
        const outcome = await invoke(throwing(thrown))
        expectJsonError(outcome)
        expect(outcome.response.statusCode).toBe(expectedStatus(thrown))
      }),
      { numRuns },
    )
  })

  it('Errors with odd status/statusCode/expose/message/name/headers fields', async () => {
    await fc.assert(
      fc.asyncProperty(errorWithOddFields, async (error) => {
        const outcome = await invoke(throwing(error))
        const { message } = expectJsonError(outcome)
        const status = expectedStatus(error)
        expect(outcome.response.statusCode).toBe(status)
        if (status < 500) {
          const shown =
            (error as Error & { expose?: unknown }).expose === true &&
            typeof error.message === 'string' &&
            error.message !== ''
              ? error.message
              : (STATUS_CODES[status] ?? 'Bad Request')
          expect(message).toBe(shown)
        }
      }),
      { numRuns },
    )
  })

  it('plain objects with odd fields (not Errors) are judged by the same status rule', async () => {
    await fc.assert(
      fc.asyncProperty(oddFields, async (fields) => {
        const outcome = await invoke(throwing(fields))
        expectJsonError(outcome)
        expect(outcome.response.statusCode).toBe(expectedStatus(fields))
      }),
      { numRuns },
    )
  })

  it('http-errors of every status with any message: status kept, 4xx message shown, 5xx never', async () => {
    await fc.assert(
      fc.asyncProperty(httpError, async ({ status, message, error }) => {
        const outcome = await invoke(throwing(error))
        const body = expectJsonError(outcome)
        expect(outcome.response.statusCode).toBe(status)
        if (status < 500) {
          // An empty message says nothing: the status text stands in for it.
          expect(body.message).toBe(message === '' ? (STATUS_CODES[status] ?? 'Bad Request') : message)
        } else {
          expect(body.message).toBe(STATUS_CODES[status] ?? 'Internal Server Error')
        }
      }),
      { numRuns },
    )
  })
})

describe('jsonResponse fuzz: returned values', () => {
  const isProxyShaped = (value: unknown): boolean =>
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { statusCode?: unknown }).statusCode === 'number'

  it('any JSON value returned → 200 with a body that parses back to it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue().filter((value) => !isProxyShaped(value)),
        async (value) => {
          const { response, logs } = await invoke(() => value)
          expect(response.statusCode).toBe(200)
          expect(response.headers).toEqual({ 'Content-Type': 'application/json' })
          expect(JSON.parse(response.body)).toEqual(JSON.parse(JSON.stringify(value)))
          expect(logs).toEqual([])
        },
      ),
      { numRuns },
    )
  })

  it('any value returned → a 200 JSON body or a logged 500 JSON error, never a crash', async () => {
    await fc.assert(
      fc.asyncProperty(
        anyValue.filter((value) => !isProxyShaped(value)),
        async (value) => {
          const outcome = await invoke(() => value)
          if (outcome.response.statusCode === 200) {
            expect(outcome.response.headers).toEqual({ 'Content-Type': 'application/json' })
            expect(() => JSON.parse(outcome.response.body)).not.toThrow()
            expect(outcome.logs).toEqual([])
          } else {
            expect(outcome.response.statusCode).toBe(500)
            expectJsonError(outcome)
          }
        },
      ),
      { numRuns },
    )
  })
})
