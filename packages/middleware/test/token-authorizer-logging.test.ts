// No token text ever reaches a log: not through console, not through stdout/stderr, not through process warnings,
// and not through a thrown error (the Lambda runtime logs the message and stack of whatever the handler throws).
import { randomUUID } from 'node:crypto'
import { inspect } from 'node:util'
import { GetParametersCommand, type GetParametersCommandInput, SSMClient } from '@aws-sdk/client-ssm'
import middy from '@middy/core'
import ssm from '@middy/ssm'
import { mockClient } from 'aws-sdk-client-mock'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { type TokenAuthorizerOptions, tokenAuthorizer } from '../src/token-authorizer.js'

// Distinctive fragments so a hit cannot be a coincidence; each stored token and each refused candidate is checked.
const storedTokens = {
  game: 'test-token-not-secret-LOGCHECK-game-7f3a',
  tools: 'test-token-not-secret-LOGCHECK-tools-91bc',
}
const refusedCandidates = [
  'test-token-not-secret-LOGCHECK-unknown-55d0',
  'test-token-not-secret-LOGCHECK-game-7f3', // a near miss of a stored token
  'LOGCHECK with spaces and ünïcode',
]
const secrets = [...Object.values(storedTokens), ...refusedCandidates]
const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:puhdx84jy9/prod/POST/lambda-token'

interface Capture {
  lines: string[]
  restore: () => void
}

const startCapture = (): Capture => {
  const lines: string[] = []
  const record = (...args: unknown[]) => {
    lines.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: 10 }))).join(' '))
  }
  const spies: Array<{ mockRestore: () => void }> = []
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace', 'dir', 'table'] as const) {
    spies.push(vi.spyOn(console, method).mockImplementation(record))
  }
  const write = (chunk: unknown): boolean => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'))
    return true
  }
  spies.push(vi.spyOn(process.stdout, 'write').mockImplementation(write as typeof process.stdout.write))
  spies.push(vi.spyOn(process.stderr, 'write').mockImplementation(write as typeof process.stderr.write))
  spies.push(vi.spyOn(process, 'emitWarning').mockImplementation(record))
  return {
    lines,
    restore: () => {
      for (const spy of spies) spy.mockRestore()
    },
  }
}

// Everything a runtime or a logger could print about a thrown value.
const renderThrown = (error: unknown): string => {
  const parts = [inspect(error, { depth: 10, showHidden: true }), String(error)]
  if (error instanceof Error) {
    parts.push(error.message, error.stack ?? '')
    try {
      parts.push(JSON.stringify(error), JSON.stringify(error.cause))
    } catch {
      // A circular cause is fine here; inspect() above already rendered it.
    }
  }
  return parts.join('\n')
}

const expectNoSecret = (text: string) => {
  for (const secret of secrets) expect(text).not.toContain(secret)
  expect(text).not.toContain('LOGCHECK')
}

const events = (): unknown[] => [
  ...Object.values(storedTokens).map((token) => ({ type: 'TOKEN', authorizationToken: token, methodArn })),
  ...refusedCandidates.map((token) => ({ type: 'TOKEN', authorizationToken: token, methodArn })),
  { type: 'TOKEN', authorizationToken: '', methodArn },
  { type: 'TOKEN', methodArn },
  { type: 'REQUEST', authorizationToken: storedTokens.game, methodArn },
  { type: 'TOKEN', authorizationToken: storedTokens.game, methodArn: 'not-an-arn' },
  { type: 'TOKEN', authorizationToken: refusedCandidates[0], methodArn: 'not-an-arn' },
  { type: 'TOKEN', authorizationToken: storedTokens.tools },
]

// Runs each event, collecting what every thrown error would print.
const runAll = async (handler: (event: never, context: never) => Promise<unknown>, context = () => ({})) => {
  const thrown: string[] = []
  let allowed = 0
  for (const event of events()) {
    try {
      await handler(event as never, context() as never)
      allowed++
    } catch (error) {
      thrown.push(renderThrown(error))
    }
  }
  return { thrown, allowed }
}

const ssmMock = mockClient(SSMClient)
afterAll(() => {
  ssmMock.restore()
})

describe('no token in any log or error', () => {
  it('has a capture that really sees console, stream and warning output (so the checks below can fail)', () => {
    const capture = startCapture()
    try {
      console.log('probe', { token: 'LOGCHECK-a' })
      console.error(new Error('LOGCHECK-b'))
      process.stdout.write('LOGCHECK-c\n')
      process.stderr.write(Buffer.from('LOGCHECK-d\n'))
      process.emitWarning('LOGCHECK-e')
    } finally {
      capture.restore()
    }
    const text = capture.lines.join('\n')
    for (const probe of ['a', 'b', 'c', 'd', 'e']) expect(text).toContain(`LOGCHECK-${probe}`)
  })

  it.each<[string, TokenAuthorizerOptions]>([
    ['static tokens', { tokens: storedTokens }],
    ['static tokens with a pattern', { tokens: storedTokens, pattern: /test-token-[A-Za-z0-9-]+/ }],
    ['static tokens with a context function', { tokens: storedTokens, context: (name) => ({ team: name }) }],
  ])('%s: valid and invalid calls, error paths included', async (_, options) => {
    const capture = startCapture()
    let result: Awaited<ReturnType<typeof runAll>>
    try {
      result = await runAll(middy().use(tokenAuthorizer(options)))
    } finally {
      capture.restore()
    }
    expect(result.allowed).toBeGreaterThan(0)
    expect(result.thrown.length).toBeGreaterThan(0)
    for (const text of result.thrown) expectNoSecret(text)
    expectNoSecret(capture.lines.join('\n'))
  })

  it.each<[string, unknown]>([
    ['a JSON string with a trailing comma', `{"game":"${storedTokens.game}",}`],
    ['a bare token instead of a map', storedTokens.game],
    ['a JSON string of a token', JSON.stringify(storedTokens.game)],
    ['a map with an invalid entry', { game: storedTokens.game, tools: { nested: storedTokens.tools } }],
    ['a map written the wrong way round', { [storedTokens.game]: 7 }],
    ['an array of tokens', Object.values(storedTokens)],
  ])('invalid token map from the context (%s)', async (_, value) => {
    const capture = startCapture()
    let result: Awaited<ReturnType<typeof runAll>>
    try {
      result = await runAll(middy().use(tokenAuthorizer({ tokensFromContext: 'tokens' })), () => ({
        tokens: value,
      }))
    } finally {
      capture.restore()
    }
    expect(result.thrown.length).toBe(events().length)
    for (const text of result.thrown) expectNoSecret(text)
    expectNoSecret(capture.lines.join('\n'))
  })

  it('invalid static token maps rejected at construction', () => {
    const capture = startCapture()
    const thrown: string[] = []
    try {
      for (const tokens of [
        `{"game":"${storedTokens.game}"`,
        { game: storedTokens.game, bad: [storedTokens.tools] },
        { [storedTokens.game]: '' },
      ]) {
        try {
          tokenAuthorizer({ tokens: tokens as never })
        } catch (error) {
          thrown.push(renderThrown(error))
        }
      }
    } finally {
      capture.restore()
    }
    expect(thrown).toHaveLength(3)
    for (const text of thrown) expectNoSecret(text)
    expectNoSecret(capture.lines.join('\n'))
  })

  it('tokens from @middy/ssm: rotation, SSM failure and invalid values', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] })
    const parameter = '/cubewalk/test/logging-tokens'
    let value = JSON.stringify({ game: storedTokens.game })
    let fail = false
    ssmMock.reset()
    ssmMock.on(GetParametersCommand).callsFake(async (input: GetParametersCommandInput) => {
      if (fail) throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' })
      return { Parameters: (input.Names ?? []).map((Name) => ({ Name, Type: 'SecureString', Value: value })) }
    })
    const capture = startCapture()
    const outcomes: Array<Awaited<ReturnType<typeof runAll>>> = []
    try {
      const handler = middy()
        .use(
          ssm({
            fetchData: { tokens: parameter },
            setToContext: true,
            cacheExpiry: 50,
            cacheKey: `token-authorizer-logging-${randomUUID()}`,
            awsClientOptions: { region: 'eu-west-1' },
          }),
        )
        .use(tokenAuthorizer({ tokensFromContext: 'tokens' }))
      outcomes.push(await runAll(handler))
      value = JSON.stringify(storedTokens)
      await vi.advanceTimersByTimeAsync(60)
      outcomes.push(await runAll(handler))
      value = `{"game":"${storedTokens.game}", oops}`
      await vi.advanceTimersByTimeAsync(60)
      outcomes.push(await runAll(handler))
      fail = true
      await vi.advanceTimersByTimeAsync(60)
      outcomes.push(await runAll(handler))
    } finally {
      capture.restore()
      vi.useRealTimers()
    }
    expect(outcomes.map((outcome) => outcome.allowed)).toEqual([1, 2, 0, 0])
    for (const outcome of outcomes) for (const text of outcome.thrown) expectNoSecret(text)
    expectNoSecret(capture.lines.join('\n'))
  })
})
