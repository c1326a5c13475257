// What function code sees of its process, the same in both hosts: its own environment (changes stay in the
// function's execution environment, never reach the runner's), and console output formatted as Lambda's
// Node.js runtime writes it to CloudWatch, with the request id.

import { PassThrough } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { type InvokeResult, type Isolation, LambdaPool } from '../src/lambda/lambda-pool.js'

const codeDir = fileURLToPath(new URL('./fixtures/pool', import.meta.url))

const pools: LambdaPool[] = []
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()))
})

function collect(stream: PassThrough): () => string {
  let text = ''
  stream.on('data', (chunk: Buffer) => {
    text += chunk.toString()
  })
  return () => text
}

const payloadOf = (result: InvokeResult) =>
  result.outcome.kind === 'payload' ? JSON.parse(result.outcome.payload) : result.outcome

function envPool(isolation: Isolation, logFormat: 'Text' | 'JSON') {
  const stdout = new PassThrough()
  const stderr = new PassThrough()
  const output = { out: collect(stdout), err: collect(stderr) }
  const pool = new LambdaPool(
    {
      logicalId: 'EnvFn',
      cdkPath: undefined,
      name: 'Stack-EnvFn',
      arn: 'arn:aws:lambda:us-east-1:123456789012:function:Stack-EnvFn',
      runtime: 'nodejs22.x',
      codeDir,
      handler: 'environment.handler',
      timeoutSeconds: 3,
      memoryMb: 128,
      reservedConcurrency: undefined,
      environment: {},
      logFormat,
      logGroup: '/aws/lambda/Stack-EnvFn',
    },
    {
      concurrency: 1,
      isolation,
      environment: { GREETING: 'hi', REMOVE_ME: 'soon gone' },
      stdout,
      stderr,
      fallbackResolveFrom: import.meta.url,
    },
  )
  pools.push(pool)
  return { pool, ...output }
}

/** Console output crosses a thread and a pipe: give it a moment. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 50))
const timestamp = '\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z'

for (const isolation of ['inline', 'thread'] as const satisfies readonly Isolation[]) {
  describe(`isolation: ${isolation}`, () => {
    it("process.env is the function's own: reads, writes, deletes and enumeration", async () => {
      const { pool, out, err } = envPool(isolation, 'Text')
      const first = await pool.invoke('{}')
      expect(payloadOf(first)).toEqual({
        added: '5',
        has: [true, false],
        keys: ['ADDED', 'DEFINED', 'GREETING'],
        descriptor: { value: 'hi', writable: true, enumerable: true, configurable: true },
        missing: null,
      })
      // The changes last as long as the execution environment, as in Lambda; the runner never sees them.
      expect(payloadOf(await pool.invoke('{"read":true}'))).toEqual({ added: '5', removed: null })
      expect(process.env.ADDED).toBeUndefined()
      expect(process.env.GREETING).toBeUndefined()

      // Text log format: timestamp, request id, level, the util.format()ted message; warnings on stderr.
      await settle()
      expect(out()).toMatch(new RegExp(`^${timestamp}\\t${first.requestId}\\tINFO\\thello world\\n$`))
      expect(err()).toMatch(new RegExp(`^${timestamp}\\t${first.requestId}\\tWARN\\tcareful\\n$`))
    })

    it('JSON log format: one JSON object per console call', async () => {
      const { pool, out, err } = envPool(isolation, 'JSON')
      const { requestId } = await pool.invoke('{}')
      await settle()
      const line = (text: string) => {
        expect(text.endsWith('\n')).toBe(true)
        return JSON.parse(text) as Record<string, string>
      }
      expect(line(out())).toEqual({
        timestamp: expect.stringMatching(new RegExp(`^${timestamp}$`)),
        level: 'INFO',
        requestId,
        message: 'hello world',
      })
      expect(line(err())).toMatchObject({ level: 'WARN', requestId, message: 'careful' })
    })
  })
}
