// The command line as a user runs it: the package's bin in a child process, with the fixture app's wiring. It prints the URL, token and curls;
// fails clearly with a non-zero exit when the port is taken or redis-server is missing; and SIGTERM stops
// it with every child process gone.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RUNNER_STATE_FILE, readRunnerState } from '../src/cli/runner-state.js'
import { pingRedis } from '../src/services/redis-server.js'
import { type Running, startProcess } from '../src/testing/child-process.js'
import { call } from '../src/testing/http-client.js'
import { type FixtureAssembly, writeFixtureAssembly } from './fixture-assembly.js'

const fixtureWiring = fileURLToPath(new URL('./support/fixture-wiring.ts', import.meta.url))
const startScript = fileURLToPath(new URL('../bin/cubewalk-local.mjs', import.meta.url))
const synthCacheScript = fileURLToPath(new URL('./support/synth-cache-cli.mjs', import.meta.url))
// Inside the package, so the CDK app finds the repo's aws-cdk CLI as a real app would; .tmp is git-ignored.
const scratchRoot = fileURLToPath(new URL('../.tmp', import.meta.url))

let assembly: FixtureAssembly
beforeAll(() => {
  assembly = writeFixtureAssembly()
})
afterAll(() => assembly.remove())

function start(args: string[], env: Record<string, string> = {}): Running {
  return spawnCli(
    [startScript, '--assembly', assembly.dir, '--wiring', fixtureWiring, '--quiet-functions', ...args],
    env,
  )
}

function spawnCli(args: string[], env: Record<string, string> = {}): Running {
  return startProcess(process.execPath, args, {
    // The fixture's wiring points functions at a bare Redis URL: the plain cache (cli-cache.test.ts: the faithful one).
    env: { ...process.env, REDIS_URL: '', PORT: '', CUBEWALK_CACHE: 'plain', ...env },
  })
}

describe('cubewalk-local (bin/cubewalk-local.mjs)', () => {
  it('prints URL, token and curls, logs each request, and SIGTERM leaves no process behind', async () => {
    const started = start(['--port', '0'])
    try {
      await started.printed('Ctrl-C stops everything')
      const text = started.output()
      const origin = /(http:\/\/127\.0\.0\.1:\d+)\/prod\//.exec(text)?.[1] as string
      const redisPort = Number(/Redis {3}redis:\/\/127\.0\.0\.1:(\d+)/.exec(text)?.[1])
      expect(origin).toBeDefined()
      expect(text).toContain('token   cubewalk-allow')
      expect(text).toContain(`curl -X GET -H 'token:cubewalk-allow' ${origin}/prod/cubewalkblocks`)
      expect(text).toContain(`curl -X GET -H 'token:arere' ${origin}/prod/cubewalkblocks`)
      expect(await pingRedis('127.0.0.1', redisPort)).toBe(true)

      const res = await call(origin, 'GET', '/prod/cubewalkblocks', { token: 'cubewalk-allow' })
      expect(res.status).toBe(200)
      await started.printed('GET /prod/cubewalkblocks → 200')
      expect(started.output()).toMatch(
        /REPORT FixtureStack-AuthFn #1\tRequestId: [0-9a-f-]+\tDuration: [\d.]+ ms/,
      )
      expect(started.output()).toMatch(/Init Duration: [\d.]+ ms/)

      started.child.kill('SIGTERM')
      expect(await started.exited).toBe(0)
      expect(await pingRedis('127.0.0.1', redisPort)).toBe(false)
    } finally {
      started.child.kill('SIGKILL')
    }
  })

  it('leaves a note of its endpoints in the assembly while it runs (local-runner.json), removed at exit', async () => {
    const note = join(assembly.dir, RUNNER_STATE_FILE)
    const started = start(['--port', '0'])
    try {
      await started.printed('Ctrl-C stops everything')
      const state = readRunnerState(assembly.dir)
      expect(state.pid).toBe(started.child.pid)
      expect(state.stages).toEqual(['prod', 'bare'])
      expect(started.output()).toContain(`SSM     ${state.endpoints.ssm}`)
      expect(started.output()).toContain(`APIGW   ${state.endpoints.apiGateway}`)
      expect(state.origin).toBe(/(http:\/\/127\.0\.0\.1:\d+)\/prod\//.exec(started.output())?.[1])
      // The management endpoint answers (an unknown API: 404 NotFoundException, as API Gateway would).
      const flush = await fetch(`${state.endpoints.apiGateway}/restapis/nope/stages/prod/cache/authorizers`, {
        method: 'DELETE',
      })
      expect(flush.status).toBe(404)
      started.child.kill('SIGTERM')
      expect(await started.exited).toBe(0)
      expect(existsSync(note)).toBe(false)
      expect(() => readRunnerState(assembly.dir)).toThrow(
        /no local runner is serving .* start `npm start` first/,
      )
    } finally {
      started.child.kill('SIGKILL')
    }
  })

  it('inline isolation: a function stuck in synchronous code stops the runner with a message naming it', async () => {
    const started = start(['--port', '0', '--isolation', 'inline'])
    try {
      await started.printed('Ctrl-C stops everything')
      const text = started.output()
      const origin = /(http:\/\/127\.0\.0\.1:\d+)\/prod\//.exec(text)?.[1] as string
      const redisPort = Number(/Redis {3}redis:\/\/127\.0\.0\.1:(\d+)/.exec(text)?.[1])
      const stuck = call(origin, 'GET', '/prod/open?mode=spin').catch((error: unknown) => error)
      // The fixture's longest allowance is Lambda's 10 s init limit (its functions time out sooner), plus 2 s.
      expect(await started.exited).toBeNull()
      expect(started.output()).toMatch(
        /cubewalk-local: the runner's thread has been stuck in synchronous code for over 12 s in function FixtureStack-EchoFn, at \S+ \(index\.mjs:\d+\)/,
      )
      expect(started.output()).toContain('With --isolation thread (the default)')
      expect(await stuck).toBeInstanceOf(Error)
      const deadline = Date.now() + 5_000
      while ((await pingRedis('127.0.0.1', redisPort)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(await pingRedis('127.0.0.1', redisPort)).toBe(false)
    } finally {
      started.child.kill('SIGKILL')
    }
  }, 30_000)

  it('takes the token from --token and serves it', async () => {
    const started = start(['--port', '0', '--token', 'my-own-token'])
    try {
      await started.printed('Ctrl-C stops everything')
      const origin = /(http:\/\/127\.0\.0\.1:\d+)\/prod\//.exec(started.output())?.[1] as string
      expect(started.output()).toContain('token   my-own-token')
      expect((await call(origin, 'GET', '/prod/cubewalkblocks', { token: 'my-own-token' })).status).toBe(200)
      expect((await call(origin, 'GET', '/prod/cubewalkblocks', { token: 'cubewalk-allow' })).status).toBe(
        401,
      )
    } finally {
      started.child.kill('SIGTERM')
      await started.exited
    }
  })

  it('a taken port: clear message, non-zero exit, nothing left running', async () => {
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()))
    const port = (blocker.address() as { port: number }).port
    try {
      const started = start(['--port', String(port)])
      expect(await started.exited).toBe(1)
      expect(started.output()).toContain(`port ${port} is already in use`)
      expect(started.output()).toContain(`PORT=${port + 1} cubewalk-local`)
    } finally {
      blocker.close()
    }
  })

  it('redis-server missing: clear message with the fix, non-zero exit', async () => {
    const started = start(['--port', '0'], { REDIS_SERVER_BIN: '/nonexistent/redis-server' })
    expect(await started.exited).toBe(1)
    expect(started.output()).toContain('"/nonexistent/redis-server" was not found')
    expect(started.output()).toContain('REDIS_URL=redis://127.0.0.1:6379 (or --redis-url)')
  })

  it('checks the port before synthesizing: a taken port fails at once, not after cdk synth', async () => {
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()))
    const port = (blocker.address() as { port: number }).port
    mkdirSync(scratchRoot, { recursive: true })
    const appDir = mkdtempSync(join(scratchRoot, 'no-synth-'))
    try {
      // No cdk.json: a synthesis started before the port check would fail with "cdk.json is missing" instead.
      const started = spawnCli([startScript, '--app-dir', appDir, '--port', String(port)])
      expect(await started.exited).toBe(1)
      expect(started.output()).toContain(`port ${port} is already in use`)
      expect(started.output()).not.toContain('cdk.json')
    } finally {
      blocker.close()
      rmSync(appDir, { recursive: true, force: true })
    }
  })
})

describe('--no-authorizer / --identity (a mock identity instead of the Lambda authorizer)', () => {
  type Echo = { event: { requestContext: { authorizer: Record<string, unknown> } } }
  const originOf = (text: string) => /(http:\/\/127\.0\.0\.1:\d+)\/prod\//.exec(text)?.[1] as string

  it('allows a request without a token, with the authorizer shape a real authorizer gives, and warns', async () => {
    const identity = { principalId: 'alice', context: { tier: 'gold', level: 3, admin: true } }
    const mocked = start(['--port', '0', '--identity', JSON.stringify(identity)])
    const real = start(['--port', '0'])
    try {
      await mocked.printed('Ctrl-C stops everything')
      await real.printed('Ctrl-C stops everything')
      // Written just after the banner: it may reach the pipe in a later chunk than the banner's last line.
      await mocked.printed('WARNING: authorizers bypassed')
      expect(mocked.output()).toContain(
        'WARNING: authorizers bypassed (--no-authorizer): every request to a method behind a Lambda authorizer is allowed, with no token, as principalId "alice"',
      )
      expect(real.output()).not.toContain('authorizers bypassed')

      const res = await call(originOf(mocked.output()), 'GET', '/prod/cubewalkblocks')
      expect(res.status).toBe(200)
      const authorizer = (JSON.parse(res.body.toString()) as Echo).event.requestContext.authorizer
      expect(authorizer).toEqual({
        principalId: 'alice',
        tier: 'gold',
        level: '3',
        admin: 'true',
        integrationLatency: 0,
      })
      await mocked.printed('GET /prod/cubewalkblocks → 200')
      expect(mocked.output()).toMatch(/GET \/prod\/cubewalkblocks → 200 .*authorizer: mock/)
      expect(mocked.output()).not.toContain('REPORT FixtureStack-AuthFn')

      // The default stays the real authorizer: no token is refused, and an allowed request gets the same shape.
      expect((await call(originOf(real.output()), 'GET', '/prod/cubewalkblocks')).status).toBe(401)
      const allowed = await call(originOf(real.output()), 'GET', '/prod/cubewalkblocks', {
        token: 'allow-abc-123',
      })
      const realAuthorizer = (JSON.parse(allowed.body.toString()) as Echo).event.requestContext.authorizer
      const shape = (o: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v]))
      expect(shape(realAuthorizer)).toMatchObject({
        principalId: 'string',
        integrationLatency: 'number',
        flag: 'string',
      })
      for (const [key, type] of Object.entries(shape(authorizer))) {
        expect(type).toBe(key === 'integrationLatency' ? 'number' : 'string')
      }
    } finally {
      mocked.child.kill('SIGTERM')
      real.child.kill('SIGTERM')
      await Promise.all([mocked.exited, real.exited])
    }
  })

  it('--no-authorizer alone allows as principalId local-user', async () => {
    const started = start(['--port', '0', '--no-authorizer'])
    try {
      await started.printed('Ctrl-C stops everything')
      const res = await call(originOf(started.output()), 'GET', '/prod/cubewalkblocks')
      expect(res.status).toBe(200)
      expect((JSON.parse(res.body.toString()) as Echo).event.requestContext.authorizer).toEqual({
        principalId: 'local-user',
        integrationLatency: 0,
      })
    } finally {
      started.child.kill('SIGTERM')
      await started.exited
    }
  })

  it('a bad identity fails clearly before anything starts', async () => {
    mkdirSync(scratchRoot, { recursive: true })
    const dir = mkdtempSync(join(scratchRoot, 'identity-'))
    const file = join(dir, 'identity.json')
    writeFileSync(file, JSON.stringify({ principalId: 'bob', context: { groups: ['a'] } }))
    try {
      const cases: Array<[string[], string]> = [
        [['--identity', '{"context":{}}'], '--identity: principalId must be a non-empty string'],
        [['--identity', 'alice'], '--identity is not JSON'],
        [['--identity', '{"principalId":"a","role":"x"}'], '--identity: unknown key "role"'],
        [
          ['--identity-file', file],
          `--identity-file ${file}: context.groups must be a string, number or boolean`,
        ],
        [
          ['--identity-file', join(dir, 'missing.json')],
          `cannot read --identity-file ${join(dir, 'missing.json')}`,
        ],
      ]
      for (const [args, message] of cases) {
        const started = start(['--port', '0', ...args])
        expect(await started.exited).toBe(1)
        expect(started.output()).toContain(message)
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('synth cache (an app declaring its synth inputs)', () => {
  it('reuses cdk.out when the inputs are unchanged, synthesizes again when one changes or with --force-synth', async () => {
    mkdirSync(scratchRoot, { recursive: true })
    const appDir = mkdtempSync(join(scratchRoot, 'cached-app-'))
    mkdirSync(join(appDir, 'src'))
    writeFileSync(join(appDir, 'src', 'stack.mjs'), 'export const version = 1\n')
    // A CDK app whose synthesis copies the fixture assembly and counts itself.
    writeFileSync(join(appDir, 'cdk.json'), JSON.stringify({ app: 'node synth.mjs' }))
    writeFileSync(
      join(appDir, 'synth.mjs'),
      "import { appendFileSync, cpSync } from 'node:fs'\n" +
        // What a real synthesis prints: routine lines (held back), and a warning (shown).
        "console.error('Bundling asset App/Fn/Code/Stage...')\n" +
        "console.error('[Warning at /App/Fn] a warning the user must see')\n" +
        "if (process.env.FAIL_SYNTH) { console.error('Error: the stack does not synthesize'); process.exit(1) }\n" +
        'cpSync(process.env.FIXTURE_ASSEMBLY, process.env.CDK_OUTDIR, { recursive: true })\n' +
        "appendFileSync('synth-count', 'synth\\n')\n",
    )
    const synths = () => readFileSync(join(appDir, 'synth-count'), 'utf8').split('\n').filter(Boolean).length
    const run = async (extra: string[] = []) => {
      const started = spawnCli(
        [synthCacheScript, appDir, '--wiring', fixtureWiring, '--quiet-functions', '--port', '0', ...extra],
        { FIXTURE_ASSEMBLY: assembly.dir },
      )
      try {
        await started.printed('Ctrl-C stops everything.', 60_000)
        return started.output()
      } finally {
        started.child.kill('SIGTERM')
        await started.exited
      }
    }
    try {
      const first = await run()
      expect(first).toContain('Synthesizing the stack (cdk synth)')
      expect(first).toMatch(/Synthesized in [\d.]+ s\./)
      // Quiet output: the routine lines do not reach the console, a warning does.
      expect(first).toContain('[Warning at /App/Fn] a warning the user must see')
      expect(first).not.toContain('Bundling asset')
      expect(first).not.toContain('feature flags')
      expect(synths()).toBe(1)
      const reused = await run()
      expect(reused).toContain('Sources unchanged since the last cdk synth: reusing cdk.out')
      expect(reused).not.toContain('Synthesizing the stack')
      expect(synths()).toBe(1)
      writeFileSync(join(appDir, 'src', 'stack.mjs'), 'export const version = 2\n')
      expect(await run()).toContain('Synthesizing the stack (cdk synth)')
      expect(synths()).toBe(2)
      await run(['--force-synth'])
      expect(synths()).toBe(3)
      // A failed synth shows everything, the held-back lines included, and is never reused afterwards.
      const failed = spawnCli([synthCacheScript, appDir, '--port', '0', '--force-synth'], {
        FIXTURE_ASSEMBLY: assembly.dir,
        FAIL_SYNTH: '1',
      })
      expect(await failed.exited).toBe(1)
      expect(failed.output()).toContain('Error: the stack does not synthesize')
      expect(failed.output()).toContain('Bundling asset App/Fn/Code/Stage...')
      expect(failed.output()).toContain('cdk synth failed')
      expect(await run()).toContain('Synthesizing the stack (cdk synth)')
      expect(synths()).toBe(4)
      // The declared inputs describe the app's own directory: another --app-dir is never served from the cache.
      expect(await run(['--app-dir', appDir])).toContain('Synthesizing the stack (cdk synth)')
      expect(synths()).toBe(5)
    } finally {
      rmSync(appDir, { recursive: true, force: true })
    }
  }, 180_000)
})

describe('--watch (an app declaring its synth inputs, a function with a directory source)', () => {
  it('rebuilds the function on a save, re-synthesizes on a stack change, and prints a failed synth', async () => {
    mkdirSync(scratchRoot, { recursive: true })
    const appDir = mkdtempSync(join(scratchRoot, 'watched-app-'))
    mkdirSync(join(appDir, 'src'))
    writeFileSync(join(appDir, 'src', 'stack.mjs'), 'export const version = 1\n')
    writeFileSync(join(appDir, 'cdk.json'), JSON.stringify({ app: 'node synth.mjs' }))
    writeFileSync(
      join(appDir, 'synth.mjs'),
      "import { appendFileSync, cpSync, readFileSync } from 'node:fs'\n" +
        "if (readFileSync('src/stack.mjs', 'utf8').includes('broken')) {\n" +
        "  console.error('Error: the stack does not synthesize'); process.exit(1)\n}\n" +
        'cpSync(process.env.FIXTURE_ASSEMBLY, process.env.CDK_OUTDIR, { recursive: true })\n' +
        "appendFileSync('synth-count', 'synth\\n')\n",
    )
    // The echo function's code is the directory echo/ (as with Code.fromAsset), named by a wiring module.
    const echoDir = join(appDir, 'echo')
    mkdirSync(echoDir)
    const echoSource = readFileSync(
      fileURLToPath(new URL('./fixtures/echo/index.mjs', import.meta.url)),
      'utf8',
    )
    writeFileSync(join(echoDir, 'index.mjs'), echoSource)
    const wiringModule = join(appDir, 'wiring.mjs')
    writeFileSync(
      wiringModule,
      `import { wiring as fixture } from ${JSON.stringify(fixtureWiring)}\n` +
        'export const wiring = {\n  ...fixture,\n' +
        `  functionSource: (fn) => fn.logicalId === 'EchoFn' ? { kind: 'directory', path: ${JSON.stringify(echoDir)} } : undefined,\n};\n`,
    )
    const synths = () => readFileSync(join(appDir, 'synth-count'), 'utf8').split('\n').filter(Boolean).length
    const started = spawnCli(
      [synthCacheScript, appDir, '--wiring', wiringModule, '--quiet-functions', '--port', '0', '--watch'],
      { FIXTURE_ASSEMBLY: assembly.dir },
    )
    try {
      await started.printed(
        'Watching the sources of 1 function, and the stack (a change re-synthesizes).',
        60_000,
      )
      const origin = /(http:\/\/127\.0\.0\.1:\d+)\/prod\//.exec(started.output())?.[1] as string
      const loadedAt = async () => {
        const res = await call(origin, 'GET', '/prod/open')
        expect(res.status).toBe(200)
        return (res.json() as { loadedAt: number }).loadedAt
      }
      expect(await loadedAt()).toBeGreaterThan(0)

      writeFileSync(
        join(echoDir, 'index.mjs'),
        echoSource.replace('const loadedAt = Date.now()', 'const loadedAt = -1'),
      )
      await started.printed('watch: EchoFn rebuilt in')
      expect(await loadedAt()).toBe(-1)

      writeFileSync(join(appDir, 'src', 'stack.mjs'), 'export const version = 2\n')
      await started.printed('watch: stack reloaded in', 60_000)
      expect(started.output()).toContain('watch: src/stack.mjs changed: synthesizing the stack again')
      expect(synths()).toBe(2)
      // The function's definition did not change: its rebuilt code keeps serving, warm.
      expect(await loadedAt()).toBe(-1)

      writeFileSync(join(appDir, 'src', 'stack.mjs'), 'export const broken = true\n')
      await started.printed('the stack did not synthesize; the previous routes and code keep serving', 60_000)
      expect(started.output()).toContain('Error: the stack does not synthesize')
      expect(await loadedAt()).toBe(-1)
    } finally {
      started.child.kill('SIGTERM')
      expect(await started.exited).toBe(0)
      rmSync(appDir, { recursive: true, force: true })
    }
  }, 180_000)
})
