// jsonResponse with the real Powertools for AWS Lambda Logger, as its docs wire it (injectLambdaContext first): every
// server error is one JSON line on stderr (Powertools' console.error), with the request id, the cause chain as nested objects (not a JSON string
// inside `message`), and no warning lines. Client errors and successes log nothing.
import { Logger } from '@aws-lambda-powertools/logger'
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware'
import middy from '@middy/core'
import createError from 'http-errors'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, ServiceUnavailableError } from '../src/index.js'
import { lambdaContext } from './support/lambda-context.js'

afterEach(() => {
  vi.restoreAllMocks()
})

/** Everything written to stdout and stderr while `work` runs, line by line. */
const captureOutput = async (work: () => Promise<void>): Promise<{ stdout: string[]; stderr: string[] }> => {
  const stdout: string[] = []
  const stderr: string[] = []
  const capture = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(...String(chunk).split('\n').filter(Boolean))
    return true
  }
  vi.spyOn(process.stdout, 'write').mockImplementation(capture(stdout) as typeof process.stdout.write)
  vi.spyOn(process.stderr, 'write').mockImplementation(capture(stderr) as typeof process.stderr.write)
  try {
    await work()
  } finally {
    vi.restoreAllMocks()
  }
  return { stdout, stderr }
}

describe('jsonResponse with Powertools Logger', () => {
  it('writes one JSON line per server error with the request id and the cause as a nested object', async () => {
    const logger = new Logger({ serviceName: 'cubewalk-test' })
    const failures = [
      new ServiceUnavailableError(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      ),
      new TypeError('boom', { cause: new RangeError('inner cause') }),
    ]
    let call = 0
    const lambda = middy<{ fail: 'server' | 'client' | 'none' }>()
      .use(injectLambdaContext(logger))
      .use(jsonResponse({ logger: (entry) => logger.error(entry) }))
      .handler(async (event: { fail: 'server' | 'client' | 'none' }) => {
        if (event.fail === 'client') throw createError(404, 'no such chunk')
        if (event.fail === 'server') throw failures[call++]
        return { ok: true }
      })

    const contexts = [lambdaContext(), lambdaContext(), lambdaContext(), lambdaContext()]
    const responses: unknown[] = []
    const { stdout, stderr } = await captureOutput(async () => {
      responses.push(await lambda({ fail: 'server' }, contexts[0] as never))
      responses.push(await lambda({ fail: 'client' }, contexts[1] as never))
      responses.push(await lambda({ fail: 'none' }, contexts[2] as never))
      responses.push(await lambda({ fail: 'server' }, contexts[3] as never))
    })

    expect(responses.map((response) => (response as { statusCode: number }).statusCode)).toEqual([
      503, 404, 200, 500,
    ])
    // Powertools writes ERROR entries with console.error: stderr, which Lambda sends to CloudWatch like stdout.
    expect(stdout).toEqual([])
    expect(stderr).toHaveLength(2)
    const [first, second] = stderr.map((line) => JSON.parse(line) as Record<string, unknown>)

    expect(first).toMatchObject({
      level: 'ERROR',
      message: 'request failed',
      service: 'cubewalk-test',
      statusCode: 503,
      awsRequestId: contexts[0]?.awsRequestId,
      function_request_id: contexts[0]?.awsRequestId,
      error: {
        name: 'ServiceUnavailableError',
        message: 'Service Unavailable',
        status: 503,
        cause: { name: 'Error', message: 'connect ECONNREFUSED 127.0.0.1:1', code: 'ECONNREFUSED' },
      },
    })
    expect(second).toMatchObject({
      level: 'ERROR',
      message: 'request failed',
      statusCode: 500,
      awsRequestId: contexts[3]?.awsRequestId,
      error: { name: 'TypeError', message: 'boom', cause: { name: 'RangeError', message: 'inner cause' } },
    })
    // Encoded once: the entry's fields are the line's fields, not a JSON string inside `message`.
    for (const line of [first ?? {}, second ?? {}]) {
      const error = line.error as { cause?: unknown } | undefined
      expect(typeof error).toBe('object')
      expect(typeof error?.cause).toBe('object')
      expect(String(line.message)).not.toContain('{')
    }
  })
})
