// What the log gets for a server error: long strings are cut at 8192 characters with a marker (a log line must
// stay readable and bounded), shorter ones are kept whole, and a body that is not JSON is named by its type.
import middy from '@middy/core'
import { describe, expect, it } from 'vitest'
import { type JsonResponseLogEntry, jsonResponse } from '../src/json-response.js'

const failWith = async (
  handler: () => unknown,
): Promise<{ statusCode: number; entry: JsonResponseLogEntry }> => {
  const logs: JsonResponseLogEntry[] = []
  const lambda = middy(async () => handler()).use(jsonResponse({ logger: (entry) => logs.push(entry) }))
  const response = (await lambda({}, { awsRequestId: 'log-limits' } as never)) as { statusCode: number }
  expect(logs).toHaveLength(1)
  return { statusCode: response.statusCode, entry: logs[0] as JsonResponseLogEntry }
}

const loggedMessage = (entry: JsonResponseLogEntry): unknown => (entry.error as { message?: unknown }).message

describe('jsonResponse: log limits', () => {
  it('keeps a message of exactly 8192 characters whole', async () => {
    const message = 'm'.repeat(8192)
    const { entry } = await failWith(() => {
      throw new Error(message)
    })
    expect(loggedMessage(entry)).toBe(message)
  })

  it('cuts a longer message at 8192 characters and says so', async () => {
    const { entry } = await failWith(() => {
      throw new Error(`${'m'.repeat(8192)}tail`)
    })
    expect(loggedMessage(entry)).toBe(`${'m'.repeat(8192)}…[truncated]`)
  })

  it('cuts a long non-Error value in its JSON preview too', async () => {
    const { entry } = await failWith(() => {
      throw 'x'.repeat(9000)
    })
    expect(entry.error).toEqual({ type: 'string', value: `"${'x'.repeat(8191)}…[truncated]` })
  })

  it('names the type of a proxy-shaped body that is not JSON', async () => {
    const { statusCode, entry } = await failWith(() => ({ statusCode: 200, body: () => 'no' }))
    expect(statusCode).toBe(500)
    expect(entry.message).toBe('response is not JSON-serialisable')
    expect(entry.error).toMatchObject({
      name: 'TypeError',
      message: 'response body of type function is not JSON',
    })
  })
})
