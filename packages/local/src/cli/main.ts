// The command line (`cubewalk-local`, and `npm start` through packages/stack/bin/start.mjs): synthesizes the
// CDK app (unless told not to), serves it on localhost, prints how to call it, logs one line per request, and
// stops everything on Ctrl-C or SIGTERM. What is specific to the application comes in as a CliApp.

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { url as inspectorUrl } from 'node:inspector'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import { dirname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import { type FaultControl, startFaultControl } from '../faults/fault-control.js'
import {
  DEFAULT_MOCK_IDENTITY,
  type MockIdentity,
  MockIdentityError,
  parseMockIdentity,
  readMockIdentity,
} from '../gateway/mock-identity.js'
import { PortInUseError } from '../gateway/server.js'
import { startStuckWatchdog } from '../lambda/hosts/stuck-watchdog.js'
import { DEBUG_TIMEOUT_MS, INIT_TIMEOUT_MS, type Isolation } from '../lambda/lambda-pool.js'
import { DEFAULT_PORT, DEFAULT_TOKEN, type Runner, startRunner } from '../runner.js'
import { RedisServerMissingError } from '../services/redis-server.js'
import { CloudAssemblyError } from '../template/cloud-assembly.js'
import { startWatch, type Watch } from '../watch/watch.js'
import type { LocalWiring } from '../wiring.js'
import { describeCache } from './cache-description.js'
import { BatchedWriter, exampleGetPath, formatReport, formatRequest, listRoutes } from './console-output.js'
import { faultCommand } from './fault-command.js'
import { closeInspector, openInspector } from './inspector.js'
import { removeRunnerState, writeRunnerState } from './runner-state.js'
import {
  forgetSynthKey,
  isAssemblyFresh,
  recordSynthKey,
  type SynthInputs,
  synthCacheKey,
} from './synth-cache.js'
import { SynthOutputFilter } from './synth-output.js'

/** The application the command line serves. */
export interface CliApp {
  /** How the user runs the command, in messages: `npm start`. Default `cubewalk-local`. */
  command?: string
  /** How the user runs the `fault` subcommand, in messages: `npm run local -- fault`. Default `<command> fault`. */
  faultCommand?: string
  /** The app's name in the banner. Default: none. */
  name?: string
  /** The CDK app directory (its cdk.json), where `cdk synth` runs and `cdk.out` is. Default: --app-dir, else cwd. */
  cdkAppDir?: string
  /** The application's part: function environment, seeded parameters, token checks. */
  wiring?: LocalWiring
  /**
   * What the app's `cdk synth` reads (paths relative to the CDK app directory). Declared, a start whose inputs
   * hash to the key of the last synthesis reuses its assembly; undeclared, every start synthesizes.
   */
  synthInputs?: SynthInputs
}

const help = (usage: string, faultUsage: string) => `Usage: ${usage}
       ${faultUsage} <name> [argument]   (in a second terminal; ${faultUsage} --help lists the faults)

Serves a synthesized CDK app's REST APIs on http://127.0.0.1:3000/<stage>/... as API Gateway would; the second
form injects a fault (redis:freeze 5s, redis:latency 200ms, redis:drop...) into the cache it serves.

Options (environment variable in brackets):
  --port <n>           port to listen on, 0 = any free one [PORT] (default ${DEFAULT_PORT})
  --host <addr>        address to bind (default 127.0.0.1)
  --token <t>          a token the local tokens parameter holds; repeat for more [CUBEWALK_TOKENS, comma-separated]
                       (default ${DEFAULT_TOKEN})
  --concurrency <n>    instances per function [CUBEWALK_CONCURRENCY] (default: the template's
                       ReservedConcurrentExecutions, else 8)
  --isolation <mode>   where function instances run: thread (default: a worker thread per function, its own
                       globals and environment) or inline (the runner's own thread: less memory, more
                       throughput, but a function stuck in synchronous code stops the runner)
                       [CUBEWALK_ISOLATION]
  --cache <mode>       how the template's ElastiCache cache is served: faithful (default: as deployed, TLS with a
                       CA made at start, the template's ACL user with the default user off, IAM tokens checked,
                       cluster protocol for a serverless cache) or plain (a bare redis-server, no TLS, no user)
                       [CUBEWALK_CACHE]
  --redis-url <url>    use this Redis instead of a private redis-server (implies --cache plain) [REDIS_URL]
  --assembly <dir>     serve this cloud assembly as is (implies --no-synth) [CUBEWALK_ASSEMBLY]
  --stack <name>       the stack to serve when the assembly holds several
  --no-synth           serve the existing cdk.out without running cdk synth first
  --force-synth        run cdk synth even when the sources are unchanged since the last one
  --app-dir <dir>      the CDK app (its cdk.json) to synthesize (default: the current directory)
  --wiring <module>    a module exporting \`wiring\` (a LocalWiring): the application's environment overrides,
                       seeded SSM parameters and token checks
  --region <r>         region in ARNs and AWS_REGION (default us-east-1)
  --no-authorizer      do not run Lambda authorizers: allow every request as principalId "local-user" (or the
                       --identity), for working on a handler without tokens. Off by default
  --identity <json>    the mock identity, '{"principalId":"alice","context":{"tier":"gold"}}' (implies
                       --no-authorizer)
  --identity-file <f>  the same, from a JSON file (implies --no-authorizer)
  --watch              rebuild a function when its sources change (next request: a cold start of the new code),
                       re-synthesize and reload the routes when the stack's sources change
  --quiet-functions    hide the functions' own console output
  --report-all         print a REPORT line for every invocation, not only cold starts
  --inspect[=[host:]port]
                       open the Node inspector (default 127.0.0.1:9229) for a debugger to stop function code
                       at breakpoints; timeouts are widened to ${DEBUG_TIMEOUT_MS / 3_600_000} h meanwhile
  -h, --help           this text
`

function failer(command: string) {
  return (message: string): number => {
    process.stderr.write(`\n${command}: ${message}\n\n`)
    return 1
  }
}

function positiveInt(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, got "${value}"`)
  return n
}

/** Fails fast, before a synthesis of several seconds, when the port is taken (port 0 is always free). */
function ensurePortFree(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve()
  return new Promise((resolvePromise, reject) => {
    const probe = createServer()
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port) : error),
    )
    probe.listen(port, host, () => probe.close(() => resolvePromise()))
  })
}

/**
 * The assembly to serve: the last one when the app declared its synth inputs and they hash to its key, else a
 * fresh `cdk synth` (whose key is recorded only once it succeeded).
 */
async function synthOrReuse(
  stackDir: string,
  inputs: SynthInputs | undefined,
  force: boolean,
): Promise<string> {
  const out = join(stackDir, 'cdk.out')
  if (!inputs) return synth(stackDir)
  const key = synthCacheKey(stackDir, inputs)
  if (!force && isAssemblyFresh(out, key)) {
    process.stderr.write(
      'Sources unchanged since the last cdk synth: reusing cdk.out (--force-synth to redo it).\n',
    )
    return out
  }
  forgetSynthKey(out)
  await synth(stackDir)
  recordSynthKey(out, key)
  return out
}

/** Runs `cdk synth` with the app's cdk.json, so the template is the one `cdk deploy` would deploy. */
function synth(stackDir: string): Promise<string> {
  const require = createRequire(join(stackDir, 'package.json'))
  let cli: string
  try {
    cli = join(dirname(require.resolve('aws-cdk/package.json')), 'bin', 'cdk')
  } catch {
    return Promise.reject(new Error(`the aws-cdk CLI is not installed for ${stackDir}; run npm ci`))
  }
  if (!existsSync(join(stackDir, 'cdk.json'))) {
    return Promise.reject(
      new Error(`${join(stackDir, 'cdk.json')} is missing; cannot synthesize (--app-dir, or --assembly)`),
    )
  }
  const out = join(stackDir, 'cdk.out')
  process.stderr.write('Synthesizing the stack (cdk synth)...\n')
  const began = performance.now()
  // The routine lines (asset bundling, the feature-flag notice) are held back so that the banner is not buried;
  // everything else (warnings, errors) passes, and a failed synth prints the held-back lines too.
  const filter = new SynthOutputFilter((line) => process.stderr.write(`${line}\n`))
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, 'synth', '--quiet', '--no-notices', '--output', out], {
      cwd: stackDir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
    })
    child.stdout.on('data', (chunk: Buffer) => filter.write(chunk))
    child.stderr.on('data', (chunk: Buffer) => filter.write(chunk))
    child.once('error', reject)
    child.once('close', (code) => {
      filter.end()
      if (code === 0) {
        process.stderr.write(`Synthesized in ${((performance.now() - began) / 1000).toFixed(1)} s.\n`)
        resolvePromise(out)
      } else {
        filter.releaseHeld()
        reject(new Error(`cdk synth failed (exit ${code}); fix the stack or start with --no-synth`))
      }
    })
  })
}

/** The header the first TOKEN authorizer reads its token from, for the banner's example. */
function tokenHeader(runner: Runner): string | undefined {
  for (const api of runner.model.apis) {
    for (const authorizer of api.authorizers.values()) {
      if (authorizer.type !== 'TOKEN') continue
      const header = /^method\.request\.header\.(.+)$/i.exec(authorizer.identitySources[0] ?? '')?.[1]
      if (header) return header
    }
  }
  return undefined
}

function banner(
  runner: Runner,
  assemblyDir: string,
  ownedRedis: boolean,
  name: string | undefined,
  debug: { url: string; isolation: Isolation } | undefined,
  faultUsage: string | undefined,
): string {
  const token = runner.tokens[0] as string
  const header = tokenHeader(runner)
  const shown = relative(process.cwd(), assemblyDir)
  const from = shown === '' ? '.' : shown.startsWith('..') ? assemblyDir : shown
  const title = `${name ? `${name} ` : ''}local API: stack ${runner.model.stackName} from ${from}`
  const lines: string[] = ['', title, '']
  for (const api of runner.model.apis) {
    for (const stage of api.stages) {
      if (!runner.stages.includes(stage.name)) continue
      lines.push(`  ${runner.origin}/${stage.name}/`)
      for (const route of listRoutes(api, stage.name)) lines.push(`    ${route}`)
    }
  }
  lines.push('')
  if (header) {
    lines.push(
      `  token   ${token}   (send it in the \`${header}\` header${runner.tokens.length > 1 ? `; ${runner.tokens.length - 1} more configured` : ''})`,
    )
  }
  if (runner.redisUrl) {
    lines.push(
      `  Redis   ${runner.redisUrl}${ownedRedis ? '   (private redis-server, emptied at exit)' : '   (REDIS_URL)'}`,
    )
  }
  if (runner.cache) lines.push(`  Cache   ${describeCache(runner.cache)}`)
  if (runner.cache && faultUsage)
    lines.push(`  Faults  ${faultUsage} redis:latency 800ms   (from another terminal; --help lists them)`)
  lines.push(`  SSM     ${runner.ssm.url}   (local Parameter Store)`)
  lines.push(`  APIGW   ${runner.apiGateway.url}   (FlushStageAuthorizersCache)`)
  if (debug) lines.push(...debuggerLines(debug.url, debug.isolation))
  const api = runner.model.apis.find((a) => a.stages.some((s) => s.name === runner.stages[0]))
  const example = api ? exampleGetPath(api) : undefined
  if (example) {
    const url = `${runner.origin}/${runner.stages[0]}${example}`
    lines.push('', 'Try:')
    if (header) {
      lines.push(`  curl -X GET -H '${header}:${token}' ${url}`)
      lines.push(`  curl -X GET -H '${header}:arere' ${url}`)
    } else {
      lines.push(`  curl -X GET ${url}`)
    }
  }
  lines.push('', 'Ctrl-C stops everything.', '')
  return lines.join('\n')
}

/** A --wiring module: its `wiring` export (or default export) is the application's LocalWiring. */
async function loadWiring(file: string): Promise<LocalWiring> {
  const loaded = (await import(pathToFileURL(resolve(file)).href)) as { wiring?: unknown; default?: unknown }
  const wiring = loaded.wiring ?? loaded.default
  if (typeof wiring !== 'object' || wiring === null) {
    throw new Error(`--wiring ${file} must export \`wiring\` (or a default export): an object (LocalWiring)`)
  }
  return wiring as LocalWiring
}

export async function main(argv: string[], app: CliApp = {}): Promise<number> {
  const command = app.command ?? 'cubewalk-local'
  const fail = failer(command)
  const faultUsage = app.faultCommand ?? `${command} fault`
  if (argv[0] === 'fault')
    return faultCommand(argv.slice(1), { usage: faultUsage, startCommand: command, cdkAppDir: app.cdkAppDir })
  const HELP = help(app.command ? `${app.command} [-- options]` : `${command} [options]`, faultUsage)
  let values: ReturnType<typeof parse>['values']
  try {
    values = parse(argv).values
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${HELP}`)
  }
  if (values.help) {
    process.stdout.write(HELP)
    return 0
  }
  const stackDir = resolve(values['app-dir'] ?? app.cdkAppDir ?? process.cwd())
  let wiring = app.wiring
  try {
    if (values.wiring) wiring = await loadWiring(values.wiring)
  } catch (error) {
    return fail((error as Error).message)
  }
  const env = process.env
  let port: number
  let concurrency: number | undefined
  try {
    port = positiveInt(values.port ?? env.PORT, '--port') ?? DEFAULT_PORT
    concurrency = positiveInt(values.concurrency ?? env.CUBEWALK_CONCURRENCY, '--concurrency')
  } catch (error) {
    return fail((error as Error).message)
  }
  if (concurrency === 0) return fail('--concurrency must be at least 1')
  const isolation = values.isolation ?? env.CUBEWALK_ISOLATION ?? 'thread'
  if (isolation !== 'inline' && isolation !== 'thread') return fail('--isolation must be inline or thread')
  const cacheMode = values.cache ?? (env.CUBEWALK_CACHE || 'faithful')
  if (cacheMode !== 'faithful' && cacheMode !== 'plain') return fail('--cache must be faithful or plain')
  let mockIdentity: MockIdentity | undefined
  try {
    if (values.identity !== undefined && values['identity-file'] !== undefined)
      throw new MockIdentityError('give --identity or --identity-file, not both')
    if (values.identity !== undefined) mockIdentity = parseMockIdentity(values.identity, '--identity')
    else if (values['identity-file'] !== undefined) mockIdentity = readMockIdentity(values['identity-file'])
    else if (values['no-authorizer']) mockIdentity = DEFAULT_MOCK_IDENTITY
  } catch (error) {
    return fail((error as Error).message)
  }
  // Opened before the synthesis, so a debugger can attach while it runs; a taken port fails before it.
  let debuggerUrl = inspectorUrl()
  let openedInspector = false
  try {
    if (values.inspect !== undefined) {
      const inspector = openInspector(values.inspect)
      debuggerUrl = inspector.url
      openedInspector = inspector.opened
    }
  } catch (error) {
    return fail((error as Error).message)
  }
  const tokens =
    values.token && values.token.length > 0
      ? values.token
      : (env.CUBEWALK_TOKENS ?? '')
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)

  let assemblyDir = values.assembly ?? env.CUBEWALK_ASSEMBLY
  // The app's declared inputs describe its own CDK app: another --app-dir synthesizes every time.
  const synthInputs = values['app-dir'] === undefined ? app.synthInputs : undefined
  const synthesizes = !assemblyDir && !values['no-synth']
  try {
    await ensurePortFree(values.host ?? '127.0.0.1', port)
    if (assemblyDir) assemblyDir = resolve(assemblyDir)
    else if (values['no-synth']) assemblyDir = join(stackDir, 'cdk.out')
    else assemblyDir = await synthOrReuse(stackDir, synthInputs, values['force-synth'] === true)
  } catch (error) {
    if (error instanceof PortInUseError) return fail(portInUseMessage(error.port, command, app))
    return fail((error as Error).message)
  }

  const out = new BatchedWriter(process.stdout)
  const reportAll = values['report-all'] === true
  const redisUrl = values['redis-url'] ?? env.REDIS_URL
  let faults: FaultControl | undefined
  let runner: Runner
  try {
    runner = await startRunner({
      assemblyDir,
      port,
      ...(values.host ? { host: values.host } : {}),
      ...(values.stack ? { stackName: values.stack } : {}),
      ...(values.region ? { region: values.region } : {}),
      ...(tokens.length > 0 ? { tokens } : {}),
      ...(redisUrl ? { redisUrl } : {}),
      cache: cacheMode,
      onCacheEvent: (event) => {
        if (event.type === 'auth-refused') out.line(`cache: refused AUTH as ${event.user}: ${event.reason}`)
        else if (event.type === 'lifetime-disconnect')
          out.line(`cache: closed an IAM connection of ${event.user} (12-hour limit)`)
      },
      ...(concurrency ? { concurrency } : {}),
      isolation,
      functionOutput: values['quiet-functions'] ? 'ignore' : 'inherit',
      onRequest: (record) => {
        out.line(formatRequest(record))
        faults?.request(record)
      },
      onInvocation: (report) => {
        if (reportAll || report.cold || report.status !== 'success') out.line(formatReport(report))
      },
      log: (line) => process.stderr.write(`${line}\n`),
      externalModulesFrom: stackDir,
      ...(wiring ? { wiring } : {}),
      ...(mockIdentity ? { mockIdentity } : {}),
      ...(debuggerUrl ? { debugging: true } : {}),
    })
  } catch (error) {
    if (error instanceof PortInUseError) return fail(portInUseMessage(error.port, command, app))
    if (error instanceof RedisServerMissingError || error instanceof CloudAssemblyError)
      return fail(error.message)
    return fail((error as Error).stack ?? String(error))
  }

  const servedAssembly = assemblyDir
  try {
    faults = await startFaultControl(runner, (line) => out.line(line))
  } catch (error) {
    process.stderr.write(
      `warning: no control endpoint, faults cannot be injected: ${(error as Error).message}\n`,
    )
  }
  try {
    // Tools (e.g. a token command, the fault command) find the local endpoints and the stack's outputs here;
    // written before the banner, so whoever waits for the banner finds it.
    writeRunnerState(servedAssembly, runner, faults?.url)
  } catch (error) {
    process.stderr.write(`warning: could not write the local runner note: ${(error as Error).message}\n`)
  }
  const debug = debuggerUrl ? { url: debuggerUrl, isolation: isolation as Isolation } : undefined
  const faultsBanner = faults ? faultUsage : undefined
  process.stdout.write(`${banner(runner, assemblyDir, !redisUrl, app.name, debug, faultsBanner)}\n`)
  if (mockIdentity) process.stdout.write(`${authorizerBypassWarning(mockIdentity)}\n\n`)
  const watchdog = isolation === 'inline' ? watchInlineRunner(runner, command) : undefined
  const watch = values.watch
    ? startSourceWatch(runner, wiring, synthesizes ? { stackDir, synthInputs } : undefined)
    : undefined

  return await new Promise<number>((resolveExit) => {
    let stopping = false
    const shutdown = (signal: string) => {
      if (stopping) {
        process.stderr.write('\nForced exit.\n')
        if (openedInspector) closeInspector()
        process.exit(130)
      }
      stopping = true
      // First, so that the summaries of faults still open come before the stop's own lines.
      const faultsClosed = faults?.close()
      out.flush()
      process.stderr.write(`\n${signal}: stopping the local API, functions, SSM endpoint and Redis...\n`)
      removeRunnerState(servedAssembly)
      // The watch's builds go once the runner no longer serves them.
      Promise.all([faultsClosed, watchdog?.stop(), runner.stop().then(() => watch?.close())])
        .finally(() => {
          if (openedInspector) closeInspector()
        })
        .then(
          () => resolveExit(0),
          (error: unknown) => {
            process.stderr.write(`${String(error)}\n`)
            resolveExit(1)
          },
        )
    }
    process.on('SIGINT', () => shutdown('SIGINT'))
    process.on('SIGTERM', () => shutdown('SIGTERM'))
    process.on('SIGHUP', () => shutdown('SIGHUP'))
  })
}

/** Where to attach, and what changes while a debugger may hold function code at a breakpoint. */
function debuggerLines(url: string, isolation: Isolation): string[] {
  const lines = [
    `  Debugger ${url}`,
    `           attach Chrome DevTools (chrome://inspect) or VS Code to ${new URL(url).host}; function, init and`,
    `           integration timeouts are ${DEBUG_TIMEOUT_MS / 3_600_000} h while debugging`,
  ]
  if (isolation === 'thread' && !process.execArgv.includes('--experimental-worker-inspection')) {
    lines.push(
      '           functions run in worker threads: VS Code attaches to them; Chrome DevTools needs',
      '           node --experimental-worker-inspection, or --isolation inline',
    )
  }
  return lines
}

/**
 * `--watch`: functions rebuild from the sources the wiring names; the stack re-synthesizes when what its synth
 * reads changes (the declared inputs, else the CDK app directory). Serving a given assembly, only functions rebuild.
 */
function startSourceWatch(
  runner: Runner,
  wiring: LocalWiring | undefined,
  synth: { stackDir: string; synthInputs: SynthInputs | undefined } | undefined,
): Watch {
  const stackPaths = synth
    ? (synth.synthInputs?.paths.map((path) => resolve(synth.stackDir, path)) ?? [synth.stackDir])
    : []
  const watch = startWatch({
    runner,
    ...(wiring ? { wiring } : {}),
    stackPaths,
    ...(synth
      ? {
          resynthesize: () => synthOrReuse(synth.stackDir, synth.synthInputs, false),
          appDir: synth.stackDir,
        }
      : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  })
  void watch.ready.then(() => {
    const functions = [...runner.model.functions.values()].filter((fn) => wiring?.functionSource?.(fn))
    process.stderr.write(
      `Watching the sources of ${functions.length} function${functions.length === 1 ? '' : 's'}` +
        `${synth ? ', and the stack (a change re-synthesizes).' : ' (serving a given assembly: the stack is not re-synthesized).'}\n`,
    )
  })
  return watch
}

/** Printed after the banner, where it is seen: requests that would be refused on AWS are allowed here. */
function authorizerBypassWarning(identity: MockIdentity): string {
  return (
    `WARNING: authorizers bypassed (--no-authorizer): every request to a method behind a Lambda authorizer is ` +
    `allowed, with no token, as principalId "${identity.principalId}" context ${JSON.stringify(identity.context)}.`
  )
}

function portInUseMessage(port: number, command: string, app: CliApp): string {
  return (
    `port ${port} is already in use (is another \`${command}\` running?).\n` +
    `  Stop it, or pick another port: PORT=${port + 1} ${command}   (or: ${command}${app.command ? ' --' : ''} --port ${port + 1})`
  )
}

/** Past every function's longest legitimate run (its timeout, or an init), the runner's thread is stuck. */
function watchInlineRunner(runner: Runner, command: string) {
  const functions = [...runner.model.functions.values()].flatMap((fn) =>
    fn.codeDir ? [{ name: fn.name, codeDir: fn.codeDir, timeoutMs: fn.timeoutSeconds * 1000 }] : [],
  )
  const longestMs = Math.max(INIT_TIMEOUT_MS, ...functions.map((fn) => fn.timeoutMs))
  return startStuckWatchdog({ limitMs: longestMs + 2_000, functions, command })
}

function parse(argv: string[]) {
  return parseArgs({
    // `--inspect` alone, as Node takes it: the default address.
    args: argv.map((arg) => (arg === '--inspect' ? '--inspect=' : arg)),
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      token: { type: 'string', multiple: true },
      concurrency: { type: 'string' },
      isolation: { type: 'string' },
      'redis-url': { type: 'string' },
      cache: { type: 'string' },
      assembly: { type: 'string' },
      stack: { type: 'string' },
      'no-synth': { type: 'boolean' },
      'force-synth': { type: 'boolean' },
      'app-dir': { type: 'string' },
      wiring: { type: 'string' },
      region: { type: 'string' },
      'no-authorizer': { type: 'boolean' },
      identity: { type: 'string' },
      'identity-file': { type: 'string' },
      'quiet-functions': { type: 'boolean' },
      watch: { type: 'boolean' },
      'report-all': { type: 'boolean' },
      inspect: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}
