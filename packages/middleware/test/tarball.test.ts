// What an npm user gets: the `npm pack` tarball installed into a fresh project outside this workspace (so no
// workspace node_modules can leak in), the README's two examples copied from the README, bundled with the
// README's esbuild command (ESM, minified, createRequire banner, AWS SDK external, as NodejsFunction does), and
// the bundles run in a separate Node process as a Lambda container would, against a private redis-server and a
// local SSM endpoint. package.test.ts checks the tarball's file list; this checks that what ships works.
import { type ChildProcess, execFileSync, fork } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import {
  copyFileSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, parse } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { middlewareDir, type PackedTarball, packMiddleware } from './support/pack-middleware.js'
import { createTestCertificates, type TestCertificates } from './support/tls-certs.js'

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url))
const readme = readFileSync(join(middlewareDir, 'README.md'), 'utf8')
const runnerSource = fileURLToPath(new URL('./support/lambda-runner.mjs', import.meta.url))

/** The fenced code block of `language` in the README that contains `marker`; fails loudly when there is none. */
function readmeBlock(language: string, marker: string): string {
  const blocks = [...readme.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map(
    (match) => match[1] as string,
  )
  const found = blocks.filter((block) => block.includes(marker))
  if (found.length !== 1)
    throw new Error(`README: expected one \`\`\`${language} block with ${marker}, found ${found.length}`)
  return found[0] as string
}

const bundleCommand = readmeBlock('sh', 'npx esbuild blocks.ts')
const banner = "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);"

/**
 * The versions this workspace installed (package-lock.json): the throwaway project asks the registry for exactly
 * these, so npm's cache answers and the test is fast and does not drift with new releases.
 */
const installedVersion = (name: string): string =>
  (
    JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
      version: string
    }
  ).version

// A fresh shell's environment: nothing from the `npm test` around us, no workspace bin folder on PATH.
const cleanEnv = (): NodeJS.ProcessEnv => {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !/^npm_/i.test(key) && !/^(NODE_OPTIONS|VITEST.*)$/.test(key),
    ),
  )
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((entry) => !entry.includes('node_modules'))
    .join(delimiter)
  return env
}

let project = ''
/** A second fresh project with no ioredis installed: what an authorizer-only user has. */
let authorizerProject = ''
let packed: PackedTarball

const npmInstall = (cwd: string, file: string, dependencies: string[]): void => {
  writeFileSync(
    join(cwd, 'package.json'),
    JSON.stringify({ name: 'tarball-user', private: true, type: 'module' }, null, 2),
  )
  execFileSync(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      file,
      ...dependencies.map((name) => `${name}@${installedVersion(name)}`),
    ],
    { cwd, env: cleanEnv(), stdio: 'pipe', timeout: 180_000 },
  )
}

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'cubewalk-tarball-user-'))
  // Outside the workspace, and no node_modules above it that Node's resolution could climb into.
  for (let dir = dirname(project); dir !== parse(dir).root; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules')))
      throw new Error(`${dir}/node_modules would leak into ${project}`)
  }
  expect(project.startsWith(repoRoot)).toBe(false)

  packed = packMiddleware(project)
  // The README's install line plus what its examples import (Powertools for the Powertools example),
  // @aws-sdk/client-ssm standing in for the Lambda
  // runtime's own copy (the bundles keep it external), and esbuild for the bundling recipe.
  const dependencies = [
    '@middy/core',
    'ioredis',
    '@middy/ssm',
    'http-errors',
    '@aws-sdk/client-ssm',
    '@aws-lambda-powertools/idempotency',
    '@aws-lambda-powertools/logger',
    'esbuild',
  ]
  npmInstall(project, packed.file, dependencies)
  for (const name of ['blocks', 'blocks-iam', 'authorizer', 'powertools']) {
    writeFileSync(join(project, `${name}.ts`), readmeBlock('ts', `// ${name}.ts`))
    const command = name === 'blocks' ? bundleCommand : bundleCommand.replaceAll('blocks', name)
    execFileSync('sh', ['-c', command], { cwd: project, env: cleanEnv(), stdio: 'pipe', timeout: 60_000 })
  }
  // The same recipe without its banner, to show the README's reason for it.
  const withoutBanner = bundleCommand
    .replace(/\s*\\\n\s*--banner:js="[^"]*"/, '')
    .replace('dist/blocks.mjs', 'dist/blocks-no-banner.mjs')
  execFileSync('sh', ['-c', withoutBanner], { cwd: project, env: cleanEnv(), stdio: 'pipe', timeout: 60_000 })
  copyFileSync(runnerSource, join(project, 'lambda-runner.mjs'))

  // The README's authorizer, installed as its install line says for an authorizer-only project: no ioredis.
  authorizerProject = mkdtempSync(join(tmpdir(), 'cubewalk-tarball-authorizer-'))
  npmInstall(authorizerProject, packed.file, ['@middy/core', '@middy/ssm', '@aws-sdk/client-ssm', 'esbuild'])
  writeFileSync(join(authorizerProject, 'authorizer.ts'), readmeBlock('ts', '// authorizer.ts'))
  const authorizerCommand = `${bundleCommand.replaceAll('blocks', 'authorizer').trimEnd()} --metafile=dist/authorizer.meta.json`
  execFileSync('sh', ['-c', authorizerCommand], {
    cwd: authorizerProject,
    env: cleanEnv(),
    stdio: 'pipe',
    timeout: 60_000,
  })
  copyFileSync(runnerSource, join(authorizerProject, 'lambda-runner.mjs'))
}, 300_000)

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true })
  if (authorizerProject) rmSync(authorizerProject, { recursive: true, force: true })
})

describe('the README bundling recipe', () => {
  it('is the same for NodejsFunction and esbuild: ESM, minified, the createRequire banner, AWS SDK external', () => {
    const cdk = readmeBlock('ts', 'new NodejsFunction(')
    expect(cdk).toContain('format: OutputFormat.ESM')
    expect(cdk).toContain('minify: true')
    expect(cdk).toContain(`banner: ${JSON.stringify(banner)}`)
    expect(bundleCommand).toContain('--format=esm')
    expect(bundleCommand).toContain('--minify')
    expect(bundleCommand).toContain(`--banner:js=${JSON.stringify(banner)}`)
    expect(bundleCommand).toContain("'--external:@aws-sdk/*'")
  })

  it('installs the tarball itself, not a link to the workspace, and bundles from it', () => {
    const installed = join(project, 'node_modules', packed.name)
    expect(lstatSync(installed).isSymbolicLink()).toBe(false)
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string }
    expect(manifest.version).toBe(packed.version)
    expect(existsSync(join(installed, 'src'))).toBe(false)
    for (const name of ['blocks', 'blocks-iam', 'authorizer', 'powertools']) {
      const bundle = readFileSync(join(project, 'dist', `${name}.mjs`), 'utf8')
      expect(bundle.startsWith(banner)).toBe(true)
      expect(bundle).not.toContain(repoRoot)
      // Minified: the example's `export const handler` became a renamed local exported under its name.
      expect(bundle).not.toContain('export const handler')
      expect(bundle).toMatch(/export\s*\{\s*[\w$]+ as handler\s*\}/)
    }
    // The SSM client is imported from the runtime's SDK, not inlined.
    const authorizer = readFileSync(join(project, 'dist', 'authorizer.mjs'), 'utf8')
    expect(authorizer).toContain('"@aws-sdk/client-ssm"')
    expect(authorizer).not.toContain('GetParametersCommand extends')
  })
})

describe('the authorizer-only project', () => {
  it('installs without ioredis (an optional peer) and bundles the authorizer with no Redis client inside', () => {
    expect(existsSync(join(authorizerProject, 'node_modules', 'ioredis'))).toBe(false)
    expect(
      existsSync(join(authorizerProject, 'node_modules', packed.name, 'dist', 'token-authorizer.js')),
    ).toBe(true)
    const meta = JSON.parse(
      readFileSync(join(authorizerProject, 'dist', 'authorizer.meta.json'), 'utf8'),
    ) as {
      inputs: Record<string, unknown>
    }
    const inputs = Object.keys(meta.inputs)
    expect(inputs).toContain(`node_modules/${packed.name}/dist/token-authorizer.js`)
    expect(inputs.filter((input) => /ioredis|redis-pool|durable-writes|elasticache-iam/.test(input))).toEqual(
      [],
    )
    const bundle = readFileSync(join(authorizerProject, 'dist', 'authorizer.mjs'), 'utf8')
    expect(bundle).not.toMatch(/ioredis|Redis/)
  })

  it('the same recipe with the root entry point would not even build there: the root needs ioredis', () => {
    writeFileSync(
      join(authorizerProject, 'root-import.ts'),
      readmeBlock('ts', '// authorizer.ts').replace(
        '@cubewalk/middleware/token-authorizer',
        '@cubewalk/middleware',
      ),
    )
    const rootCommand = bundleCommand.replaceAll('blocks', 'root-import')
    expect(() =>
      execFileSync('sh', ['-c', rootCommand], {
        cwd: authorizerProject,
        env: cleanEnv(),
        stdio: 'pipe',
        timeout: 60_000,
      }),
    ).toThrow(/ioredis/)
  })
})

describe('the createRequire banner', () => {
  it('is needed: without it the ESM bundle fails at init on a CommonJS require of a Node built-in', async () => {
    const bundle = readFileSync(join(project, 'dist', 'blocks-no-banner.mjs'), 'utf8')
    expect(bundle).not.toContain('createRequire')
    await expect(
      BundleProcess.start('blocks-no-banner.mjs', { REDIS_URL: 'redis://127.0.0.1:1' }),
    ).rejects.toThrow(/failed at init: Dynamic require of "[^"]+" is not supported/)
  })
})

interface Invocation {
  result?: unknown
  error?: { name?: string; message?: string }
  ms: number
}

/** One bundle in its own Node process: imported once (cold start), then invoked like a warm container. */
class BundleProcess {
  private readonly child: ChildProcess
  private nextId = 0
  private readonly pending = new Map<number, (invocation: Invocation) => void>()
  output = ''

  private constructor(child: ChildProcess) {
    this.child = child
    child.stdout?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      this.output += chunk.toString()
    })
    child.on('message', (message: { type: string; id?: number } & Invocation) => {
      if (message.id === undefined) return
      this.pending.get(message.id)?.(message)
      this.pending.delete(message.id)
    })
  }

  static start(bundle: string, env: NodeJS.ProcessEnv, dir = project): Promise<BundleProcess> {
    const child = fork(join(dir, 'lambda-runner.mjs'), [join(dir, 'dist', bundle)], {
      cwd: dir,
      env: { ...cleanEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    })
    const runner = new BundleProcess(child)
    return new Promise((resolve, reject) => {
      child.once('message', (message: { type: string; error?: { message?: string } }) => {
        if (message.type === 'ready') resolve(runner)
        else reject(new Error(`${bundle} failed at init: ${message.error?.message}\n${runner.output}`))
      })
      child.once('exit', (code) => reject(new Error(`${bundle} exited (${code}) at init:\n${runner.output}`)))
    })
  }

  invoke(event: unknown, remainingMs = 3_000): Promise<Invocation> {
    const id = this.nextId++
    return new Promise((resolve) => {
      this.pending.set(id, resolve)
      this.child.send({ id, event, remainingMs })
    })
  }

  stop(): void {
    this.child.kill('SIGKILL')
  }
}

const proxyEvent = (world?: string) => ({
  httpMethod: 'GET',
  path: world ? `/cubewalkblocks/${world}` : '/cubewalkblocks',
  pathParameters: world ? { world } : null,
  headers: {},
  requestContext: { requestId: 'tarball-test' },
})

describe('the pool from the tarball, in cluster mode without awaitConnection', () => {
  it("answers 503 within the command budget while the cluster's endpoint accepts but never answers", () => {
    // The handler's command waits in the Cluster client's own queue (no slots known yet): it must still be on its
    // command budget, not the cluster's retries (seconds), or the Lambda times out instead of answering 503.
    const script = `
import { createServer } from 'node:net'
import middy from '@middy/core'
import { jsonResponse } from '@cubewalk/middleware/json-response'
import { closeRedisPool, redisPool } from '@cubewalk/middleware/redis-pool'
const held = []
const server = createServer((socket) => held.push(socket))
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
const { port } = server.address()
const handler = middy()
  .use(jsonResponse({ logger: () => {} }))
  .use(redisPool({ host: '127.0.0.1', port, cluster: true, awaitConnection: false, commandTimeout: 300 }))
  .handler(async (_event, context) => context.redis.get('{k}:v'))
const started = performance.now()
const response = await handler({}, { getRemainingTimeInMillis: () => 2000 })
const ms = Math.round(performance.now() - started)
for (const socket of held) socket.destroy()
await closeRedisPool()
server.close()
console.log(JSON.stringify({ statusCode: response.statusCode, ms }))
`
    writeFileSync(join(project, 'cluster-queue.mjs'), script)
    const output = execFileSync(process.execPath, ['cluster-queue.mjs'], {
      cwd: project,
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 30_000,
    })
    const result = JSON.parse(output.trim().split('\n').at(-1) ?? '') as { statusCode: number; ms: number }
    expect(result.statusCode).toBe(503)
    expect(result.ms).toBeLessThan(1000)
  })
})

describe('the metrics of two pools from the tarball sharing one connection', () => {
  it("records each invocation's commands into the metrics of the middleware that served it, or none", () => {
    const script = `
import middy from '@middy/core'
import { jsonResponse } from '@cubewalk/middleware/json-response'
import { emfMetrics } from '@cubewalk/middleware/metrics'
import { closeRedisPool, redisPool } from '@cubewalk/middleware/redis-pool'
const url = process.argv[2]
const lines = []
const lambda = (options) =>
  middy()
    .use(jsonResponse({ logger: () => {} }))
    .use(redisPool({ url, ...options }))
    .handler(async (_event, context) => context.redis.get('tarball:metrics'))
const metered = lambda({ metrics: emfMetrics({ namespace: 'Tarball', write: (line) => lines.push(line) }) })
const unmetered = lambda({})
const context = { getRemainingTimeInMillis: () => 3000 }
await metered({}, context)
lines.length = 0
await unmetered({}, context)
await unmetered({}, context)
await metered({}, context)
await closeRedisPool()
console.log(JSON.stringify(lines.map((line) => [JSON.parse(line).RedisCommandLatency].flat().length)))
`
    writeFileSync(join(project, 'shared-metrics.mjs'), script)
    const output = execFileSync(process.execPath, ['shared-metrics.mjs', inject('redisUrl')], {
      cwd: project,
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 30_000,
    })
    // One line, with the metered invocation's GET alone: not the two unmetered ones before it.
    expect(JSON.parse(output.trim().split('\n').at(-1) ?? '')).toEqual([1])
  })
})

describe('the blocks example, bundled from the tarball, against a real Redis', () => {
  let redis: RedisProcess
  let lambda: BundleProcess
  const connectionsReceived = async () =>
    Number(/total_connections_received:(\d+)/.exec(await redis.cli('INFO', 'stats'))?.[1])

  beforeAll(async () => {
    redis = await startRedis()
    lambda = await BundleProcess.start('blocks.mjs', { REDIS_URL: redis.url })
  }, 60_000)
  afterAll(async () => {
    lambda?.stop()
    await redis?.stop()
  })

  it('answers 200 JSON with the stored value, and reuses one connection across warm invocations', async () => {
    await redis.cli('SET', 'cubewalk:tarball-world', 'stone')
    const first = await lambda.invoke(proxyEvent('tarball-world'))
    expect(first.result).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ world: 'tarball-world', blocks: 'stone' }),
    })
    const before = await connectionsReceived()
    for (let i = 0; i < 5; i++) {
      const again = await lambda.invoke(proxyEvent('tarball-world'))
      expect(again.result).toMatchObject({ statusCode: 200 })
    }
    // Only the cli's own connection for the INFO below: the function opened none.
    expect(await connectionsReceived()).toBe(before + 1)
  })

  it('answers 400 JSON with the message for bad input', async () => {
    const bad = await lambda.invoke(proxyEvent())
    expect(bad.result).toEqual({
      statusCode: 400,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'world is required' }),
    })
  })

  it('answers 500 JSON with only the status text for an error that is not about availability', async () => {
    await redis.cli('RPUSH', 'cubewalk:tarball-list', 'not-a-string')
    const failed = await lambda.invoke(proxyEvent('tarball-list'))
    expect(failed.result).toEqual({
      statusCode: 500,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'Internal Server Error' }),
    })
    expect(lambda.output).toContain('WRONGTYPE')
  })

  it('answers 503 JSON, fast, on every request while Redis is down, and 200 again once it is back', async () => {
    // Six crashes in a row: the first request after a crash may meet the freshly closed socket, the next one a
    // refused reconnect; both must be 503. (Minified ioredis error class names turned some of them into 500s.)
    const logBefore = lambda.output.length
    const answers: Array<{ crash: number; statusCode?: number; body?: string }> = []
    const slowest: number[] = []
    for (let crash = 1; crash <= 6; crash++) {
      await redis.kill()
      for (let i = 0; i < 2; i++) {
        const down = await lambda.invoke(proxyEvent('tarball-world'))
        const { statusCode, body } = down.result as { statusCode?: number; body?: string }
        answers.push({ crash, statusCode, body })
        slowest.push(down.ms)
      }
      await redis.restart()
      await redis.cli('SET', 'cubewalk:tarball-world', 'stone')
      const back = await lambda.invoke(proxyEvent('tarball-world'))
      expect(back.result, `after restart ${crash}`).toMatchObject({ statusCode: 200 })
    }
    // All compared at once, so a failure shows which requests went wrong, with the causes the 500s logged.
    const causesOf500 = lambda.output
      .slice(logBefore)
      .split('\n')
      .filter((line) => line.includes('"statusCode":500'))
      .map((line) => {
        const { error } = JSON.parse(line) as { error?: { name?: string; message?: string } }
        return `${error?.name}: ${error?.message}`
      })
    expect(answers, `500s logged: ${causesOf500.join(' | ')}`).toEqual(
      answers.map(({ crash }) => ({
        crash,
        statusCode: 503,
        body: JSON.stringify({ message: 'Service Unavailable' }),
      })),
    )
    // The connect budget is 500 ms; the bound is loose for a loaded shared machine, far below a Lambda timeout.
    expect(Math.max(...slowest)).toBeLessThan(2_500)
  })
})

/** Enough of SSM's JSON protocol for @middy/ssm: GetParameters, decrypted. */
function startSsm(parameters: Record<string, string>): Promise<Server> {
  const server = createServer((req, res) => {
    let raw = ''
    req.on('data', (chunk: Buffer) => {
      raw += chunk.toString()
    })
    req.on('end', () => {
      const operation = String(req.headers['x-amz-target'])
      const names = (JSON.parse(raw || '{}') as { Names?: string[] }).Names ?? []
      const body =
        operation === 'AmazonSSM.GetParameters'
          ? {
              Parameters: names
                .filter((name) => name in parameters)
                .map((name) => ({ Name: name, Type: 'SecureString', Value: parameters[name], Version: 1 })),
              InvalidParameters: names.filter((name) => !(name in parameters)),
            }
          : { __type: 'UnknownOperationException', message: `${operation} is not served here` }
      res.writeHead(operation === 'AmazonSSM.GetParameters' ? 200 : 400, {
        'Content-Type': 'application/x-amz-json-1.1',
      })
      res.end(JSON.stringify(body))
    })
  })
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

describe('the authorizer example, bundled from the tarball, with tokens from SSM', () => {
  const token = 'tarball-token-not-secret'
  const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/cubewalkblocks'
  let ssm: Server
  let lambda: BundleProcess

  beforeAll(async () => {
    ssm = await startSsm({ '/tarball/tokens': JSON.stringify({ 'tarball-game': token }) })
    // Built in the project without ioredis: the authorizer runs with no Redis client installed.
    lambda = await BundleProcess.start(
      'authorizer.mjs',
      {
        TOKENS_PARAMETER_NAME: '/tarball/tokens',
        AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${(ssm.address() as AddressInfo).port}`,
        AWS_REGION: 'eu-west-1',
        AWS_ACCESS_KEY_ID: 'test-access-key-not-secret',
        AWS_SECRET_ACCESS_KEY: 'test-secret-key-not-secret',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      authorizerProject,
    )
  }, 60_000)
  afterAll(async () => {
    lambda?.stop()
    await new Promise((resolve) => ssm?.close(resolve))
  })

  it('allows the named token for the whole stage', async () => {
    const allowed = await lambda.invoke({ type: 'TOKEN', authorizationToken: token, methodArn })
    expect(allowed.error).toBeUndefined()
    expect(allowed.result).toMatchObject({
      principalId: 'tarball-game',
      policyDocument: {
        Statement: [
          {
            Action: 'execute-api:Invoke',
            Effect: 'Allow',
            Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/*/*',
          },
        ],
      },
      context: { tokenName: 'tarball-game' },
    })
  })

  it('throws exactly Error("Unauthorized") for any other token, and never logs a token', async () => {
    for (const authorizationToken of ['arere', 'tarball-token-not-secreT', '']) {
      const denied = await lambda.invoke({ type: 'TOKEN', authorizationToken, methodArn })
      expect(denied.result).toBeUndefined()
      expect(denied.error).toEqual({ name: 'Error', message: 'Unauthorized' })
    }
    expect(lambda.output).not.toContain(token)
  })
})

describe('the IAM example, bundled from the tarball, against a TLS redis-server', () => {
  // Redis cannot check an IAM token, so the user accepts any password (`nopass`): ACL WHOAMI answering this
  // user proves the connection sent AUTH as it. redis-pool.reauth.test.ts checks the tokens themselves against a
  // rotating password, and elasticache-iam.test.ts their signature against the AWS SDK's signer.
  const user = 'cubewalk-tarball-iam'
  let certs: TestCertificates
  let redis: RedisProcess
  let lambda: BundleProcess

  beforeAll(async () => {
    certs = await createTestCertificates()
    redis = await startRedis({
      tls: { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile },
    })
    await redis.cli('ACL', 'SETUSER', user, 'on', 'nopass', '+@all', '~*')
    lambda = await BundleProcess.start('blocks-iam.mjs', {
      REDIS_URL: redis.url,
      REDIS_USERNAME: user,
      CACHE_NAME: 'cubewalk-cache',
      // The test CA, as ElastiCache's is in Node's default store.
      NODE_EXTRA_CA_CERTS: certs.caFile,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLENOTSECRET',
      AWS_SECRET_ACCESS_KEY: 'test-secret-key-not-secret',
      AWS_SESSION_TOKEN: 'test-session-token-not-secret',
    })
  }, 60_000)
  afterAll(async () => {
    lambda?.stop()
    await redis?.stop()
    certs?.cleanup()
  })

  it('connects over TLS as the IAM user, authenticated with a signed token', async () => {
    const answer = await lambda.invoke({ httpMethod: 'GET', path: '/', headers: {}, requestContext: {} })
    expect(answer.error).toBeUndefined()
    expect(answer.result).toEqual({
      statusCode: 200,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ user }),
    })
    expect(lambda.output).not.toContain('test-secret-key-not-secret')
  })
})

describe('a refused IAM token, with the pool and provider from the tarball', () => {
  // Redis cannot check an IAM token, so the user's password is set to one: the token the provider signs at a
  // given time (signing is deterministic for a date and credentials). The cache then moves on to the token of two
  // seconds later, as ElastiCache refuses a token whose credentials expired: the reconnect presents the reused
  // token, is refused, and the provider must sign afresh instead of handing out the refused one for 10 minutes.
  const script = `
import { elastiCacheIamAuth } from '@cubewalk/middleware/elasticache-iam'
import { closeRedisPool, getRedisClient } from '@cubewalk/middleware/redis-pool'
import { Redis } from 'ioredis'
const [url, user] = process.argv.slice(2)
const credentials = { accessKeyId: 'AKIDEXAMPLENOTSECRET', secretAccessKey: 'test-secret-key-not-secret' }
let clock = Date.parse('2026-12-03T12:00:00Z')
const options = { cacheName: 'tarball-cache', userId: user, region: 'eu-west-1', credentials, now: () => new Date(clock) }
const provider = elastiCacheIamAuth(options)
const tokenAt = (ms) => elastiCacheIamAuth({ ...options, now: () => new Date(ms) })()
const admin = new Redis(url)
const setPassword = async (token) => admin.call('ACL', 'SETUSER', user, 'reset', 'on', '>' + token, '~*', '+@all')
await setPassword(await tokenAt(clock))
const client = getRedisClient({ url, username: user, password: provider })
client.on('error', () => {})
const first = await client.call('ACL', 'WHOAMI')
clock += 2000
await setPassword(await tokenAt(clock))
await admin.call('CLIENT', 'KILL', 'USER', user)
const answers = []
for (let i = 0; i < 5; i++) answers.push(await client.call('ACL', 'WHOAMI').then(String, (e) => 'failed: ' + e.message))
console.log(JSON.stringify({ first, answers }))
await closeRedisPool()
admin.disconnect()
`
  let redis: RedisProcess

  beforeAll(async () => {
    redis = await startRedis()
    writeFileSync(join(project, 'refused-token.mjs'), script)
  }, 60_000)
  afterAll(async () => {
    await redis?.stop()
  })

  it('signs a new token after the cache refused the one it reused, and reconnects by itself', () => {
    const user = 'cubewalk-tarball-refused'
    const out = execFileSync(process.execPath, ['refused-token.mjs', redis.url, user], {
      cwd: project,
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 30_000,
    })
    const { first, answers } = JSON.parse(out) as { first: string; answers: string[] }
    expect(first).toBe(user)
    // At most the request that met the refused reconnect fails; every later one is served on the fresh token.
    expect(answers.at(-1)).toBe(user)
    expect(answers.filter((answer) => answer !== user).length).toBeLessThanOrEqual(1)
  })
})

describe('the Powertools example (Idempotency + Logger), bundled from the tarball, against the shared Redis', () => {
  let lambda: BundleProcess
  let deadRedis: BundleProcess
  const event = (idempotencyKey: string) => ({
    httpMethod: 'POST',
    path: '/orders',
    headers: { 'Idempotency-Key': idempotencyKey },
    requestContext: { requestId: 'tarball-powertools' },
  })

  beforeAll(async () => {
    lambda = await BundleProcess.start('powertools.mjs', { REDIS_URL: inject('redisUrl') })
    // Nothing listens on port 1: every request fails, which is what the log line below is about.
    deadRedis = await BundleProcess.start('powertools.mjs', { REDIS_URL: 'redis://127.0.0.1:1' })
  }, 60_000)
  afterAll(() => {
    lambda?.stop()
    deadRedis?.stop()
  })

  it('runs the handler once per Idempotency-Key through powertoolsCacheClient; the repeat is answered from Redis', async () => {
    // Fresh keys: the shared Redis keeps idempotency records of earlier runs.
    const key = `tarball-${randomUUID()}`
    const first = await lambda.invoke(event(key))
    const repeat = await lambda.invoke(event(key))
    const other = await lambda.invoke(event(`${key}-other`))
    expect(first.error).toBeUndefined()
    expect(first.result).toMatchObject({ statusCode: 200, headers: { 'Content-Type': 'application/json' } })
    // The handler increments a counter: the same body means it did not run again.
    expect(repeat.result).toEqual(first.result)
    const orderOf = (invocation: Invocation) =>
      (JSON.parse((invocation.result as { body: string }).body) as { order: number }).order
    expect(orderOf(other)).toBeGreaterThan(orderOf(first))
    expect(lambda.output).not.toMatch(/ERR syntax error|"level":"ERROR"/)
  })

  it('logs one Powertools Logger JSON line per server error, with the request id and the error nested', async () => {
    const failed = await deadRedis.invoke(event(`tarball-${randomUUID()}`))
    expect(failed.error).toBeUndefined()
    // The pool's 503, although Powertools' before failed first, wrapping the Redis error, and its onError threw.
    expect(failed.result).toEqual({
      statusCode: 503,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'Service Unavailable' }),
    })
    const lines = deadRedis.output.split('\n').filter((line) => line.startsWith('{'))
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    const errors = entries.filter((entry) => entry.level === 'ERROR')
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({
      level: 'ERROR',
      message: 'request failed',
      statusCode: 503,
      service: 'cubewalk-orders',
      function_request_id: '00000000-0000-4000-8000-000000000001',
      // Names from the message-keeping fields: minification renamed the classes.
      error: {
        message: 'Service Unavailable',
        status: 503,
        cause: {
          message: 'Failed to save in progress record to idempotency store',
          cause: { message: expect.any(String) },
        },
      },
    })
    // Structured, not a JSON string encoded a second time inside the line.
    expect(typeof errors[0]?.error).toBe('object')
  })
})
