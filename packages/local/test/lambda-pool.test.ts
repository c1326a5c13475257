// The Lambda pool on its own, in both isolation modes: what Lambda answers when init fails (module missing,
// handler not exported, a throw, the runtime exiting), what a crashed instance leaves behind, waiting for a
// free instance and giving up on it, and shutting down with callers still waiting.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import {
  Cancellation,
  InvocationAbortedError,
  type InvocationReport,
  type InvokeResult,
  type Isolation,
  LambdaPool,
} from '../src/lambda/lambda-pool.js'
import type { FunctionModel } from '../src/template/api-model.js'

const codeDir = fileURLToPath(new URL('./fixtures/pool', import.meta.url))

function functionModel(handler: string, timeoutSeconds = 3): FunctionModel {
  return {
    logicalId: 'FaultyFn',
    cdkPath: undefined,
    name: 'Stack-FaultyFn',
    arn: 'arn:aws:lambda:us-east-1:123456789012:function:Stack-FaultyFn',
    runtime: 'nodejs22.x',
    codeDir,
    handler,
    timeoutSeconds,
    memoryMb: 128,
    reservedConcurrency: undefined,
    environment: {},
    logFormat: 'Text',
    logGroup: '/aws/lambda/Stack-FaultyFn',
  }
}

const pools: LambdaPool[] = []
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()))
})

function pool(isolation: Isolation, handler: string, reports: InvocationReport[] = [], concurrency = 2) {
  const created = new LambdaPool(functionModel(handler), {
    concurrency,
    isolation,
    environment: { AWS_REGION: 'us-east-1' },
    stdout: null,
    stderr: null,
    onReport: (report) => reports.push(report),
    fallbackResolveFrom: import.meta.url,
  })
  pools.push(created)
  return created
}

const errorOf = (result: InvokeResult) => (result.outcome.kind === 'error' ? result.outcome.error : undefined)
const payloadOf = (result: InvokeResult) =>
  result.outcome.kind === 'payload' ? JSON.parse(result.outcome.payload) : undefined

it('refuses a function without a local code asset', () => {
  expect(
    () =>
      new LambdaPool(
        { ...functionModel('index.handler'), codeDir: undefined },
        {
          concurrency: 1,
          environment: {},
          stdout: null,
          stderr: null,
          fallbackResolveFrom: import.meta.url,
        },
      ),
  ).toThrow('function FaultyFn has no local code asset')
})

for (const isolation of ['inline', 'thread'] as const satisfies readonly Isolation[]) {
  describe(`isolation: ${isolation}`, () => {
    it.each([
      ['missing.handler', 'Runtime.ImportModuleError', `Cannot find module 'missing' in ${codeDir}`],
      ['index', 'Runtime.MalformedHandlerName', 'Bad handler index'],
      ['no-handler.handler', 'Runtime.HandlerNotFound', 'no-handler.handler is undefined or not exported'],
      ['throws-at-init.handler', 'TypeError', 'CONFIG_TABLE is not set'],
    ])(
      'init failure %s: the invocation fails with %s, reported as a crash, and the next one starts afresh',
      async (handler, errorType, errorMessage) => {
        const reports: InvocationReport[] = []
        const faulty = pool(isolation, handler, reports)
        const first = await faulty.invoke('{}')
        expect(errorOf(first)).toMatchObject({ errorType, errorMessage })
        expect(first).toMatchObject({ cold: true, initMs: undefined, durationMs: 0 })
        const second = await faulty.invoke('{}')
        expect(errorOf(second)?.errorType).toBe(errorType)
        expect(reports.map((r) => [r.status, r.cold, r.instance])).toEqual([
          ['crash', true, 1],
          ['crash', true, 2],
        ])
        expect(faulty.stats()).toEqual({ instances: 0, idle: 0, queued: 0 })
      },
    )

    it('the runtime exiting during init fails the invocation with Runtime.ExitError', async () => {
      const faulty = pool(isolation, 'exits-at-init.handler')
      const result = await faulty.invoke('{}')
      expect(errorOf(result)).toMatchObject({ errorType: 'Runtime.ExitError' })
      expect(errorOf(result)?.errorMessage).toContain('exit status 7')
      // And the pool still serves: a fresh environment, failing the same way.
      expect(errorOf(await faulty.invoke('{}'))?.errorMessage).toContain('exit status 7')
    })

    it('serializes undefined as null and reports a thrown non-Error by its type', async () => {
      const fn = pool(isolation, 'index.handler')
      expect(payloadOf(await fn.invoke('{"mode":"undefined"}'))).toBeNull()
      expect(errorOf(await fn.invoke('{"mode":"throw-string"}'))).toEqual({
        errorType: 'string',
        errorMessage: 'plain text thrown',
      })
    })

    it('a process.exit in the handler crashes that call; the next call gets a cold instance', async () => {
      const reports: InvocationReport[] = []
      const fn = pool(isolation, 'index.handler', reports, 1)
      const warm = await fn.invoke('{"n":1}')
      expect(warm.cold).toBe(true)
      const crashed = await fn.invoke('{"mode":"exit"}')
      expect(errorOf(crashed)?.errorType).toBe('Runtime.ExitError')
      expect(errorOf(crashed)?.errorMessage).toContain('Runtime exited with error: exit status 2')
      const after = await fn.invoke('{"n":2}')
      expect(payloadOf(after)).toEqual({ n: 2 })
      expect(after.cold).toBe(true)
      expect(reports.map((r) => r.status)).toEqual(['success', 'crash', 'success'])
    })

    it('a call waiting for a free instance can be given up, before or while it waits', async () => {
      const fn = pool(isolation, 'index.handler', [], 1)
      await fn.invoke('{}')
      const busy = fn.invoke('{"mode":"sleep","ms":300}')
      await new Promise((resolve) => setTimeout(resolve, 50))
      const cancellation = new Cancellation()
      const waiting = fn.invoke('{"n":1}', { cancellation })
      const served = fn.invoke('{"n":2}')
      await new Promise((resolve) => setTimeout(resolve, 20))
      expect(fn.stats()).toMatchObject({ instances: 1, queued: 2 })
      cancellation.cancel()
      cancellation.cancel()
      await expect(waiting).rejects.toBeInstanceOf(InvocationAbortedError)
      expect(fn.stats().queued).toBe(1)
      expect(payloadOf(await busy)).toBe('slept')
      // The next in line got the instance; the abandoned call never ran.
      const next = await served
      expect(payloadOf(next)).toEqual({ n: 2 })
      expect(next.queuedMs).toBeGreaterThan(100)

      const busyAgain = fn.invoke('{"mode":"sleep","ms":100}')
      await new Promise((resolve) => setTimeout(resolve, 20))
      const already = new Cancellation()
      already.cancel()
      await expect(fn.invoke('{}', { cancellation: already })).rejects.toThrow(
        'invocation abandoned before an instance was free',
      )
      await busyAgain
    })

    it('close fails the calls still waiting for an instance', async () => {
      const fn = pool(isolation, 'index.handler', [], 1)
      await fn.invoke('{}')
      const busy = fn.invoke('{"mode":"sleep","ms":200}')
      await new Promise((resolve) => setTimeout(resolve, 50))
      const waiting = fn.invoke('{}').then(
        () => 'served',
        (error: Error) => error.message,
      )
      await fn.close()
      expect(await waiting).toBe('runner is shutting down')
      // The running call ends with its host, as a crash.
      const ended = await busy
      expect(errorOf(ended)).toMatchObject({ errorType: 'Runtime.ExitError' })
      expect(errorOf(ended)?.errorMessage).toMatch(
        /^RequestId: [0-9a-f-]{36} Error: runner is shutting down$/,
      )
    })
  })
}

describe('under a coverage tool (NODE_V8_COVERAGE)', () => {
  it('the function host thread is measured, into the directory the runner was given', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'pool-coverage-'))
    const outer = process.env.NODE_V8_COVERAGE
    process.env.NODE_V8_COVERAGE = directory
    try {
      const fn = pool('thread', 'index.handler')
      expect(payloadOf(await fn.invoke('{"mode":"coverage-env"}'))).toBe(directory)
      await fn.close()
      const written = readdirSync(directory).filter((file) => file.endsWith('.json'))
      expect(written).toHaveLength(1)
      const urls = (
        JSON.parse(readFileSync(join(directory, written[0] as string), 'utf8')) as {
          result: { url: string }[]
        }
      ).result.map((script) => script.url)
      expect(urls).toContainEqual(expect.stringMatching(/\/src\/lambda\/hosts\/thread-host\.ts$/))
      expect(urls).toContainEqual(expect.stringMatching(/\/fixtures\/pool\/index\.mjs\?instance=/))
    } finally {
      if (outer === undefined) delete process.env.NODE_V8_COVERAGE
      else process.env.NODE_V8_COVERAGE = outer
      rmSync(directory, { recursive: true, force: true })
    }
  })

  it('without it, function code sees no NODE_V8_COVERAGE', async () => {
    const outer = process.env.NODE_V8_COVERAGE
    delete process.env.NODE_V8_COVERAGE
    try {
      const fn = pool('thread', 'index.handler')
      expect(payloadOf(await fn.invoke('{"mode":"coverage-env"}'))).toBeNull()
      await fn.close()
    } finally {
      if (outer !== undefined) process.env.NODE_V8_COVERAGE = outer
    }
  })
})
