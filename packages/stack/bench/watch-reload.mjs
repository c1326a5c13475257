// `--watch` reload times on the real cubewalk stack (docs/benchmarks.md, "Reload time"):
//  - one-file change: a save of a blocks route (a copy of packages/handlers/src, never the real sources) until the
//    first `GET /prod/cubewalkblocks` answered by the new code (debounce, esbuild rebuild, swap, cold start);
//  - stack change: a save in the stack's sources until the first request served by the reloaded stack, the
//    resynthesis being a real `cdk synth` of this app (what `npm start --watch` runs) into a scratch directory.
// Alternating runs; prints median, min and max. Usage (from packages/stack, after `npm run synth` or `npm start`
// wrote cdk.out): node bench/watch-reload.mjs [--runs 7] [--stack-runs 5]
import { spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { cpus, loadavg } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

await import('@cubewalk/local/ts-resolve')
const { startRunner, startWatch } = await import('@cubewalk/local')
const { call } = await import('@cubewalk/local/testing')
const { cubewalkWiring, handlerSource } = await import('../src/local-wiring.ts')

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    'stack-runs': { type: 'string', default: '5' },
    assembly: { type: 'string', default: 'cdk.out' },
  },
})
const stackDir = fileURLToPath(new URL('../', import.meta.url))
const require = createRequire(import.meta.url)
const handlersRoot = dirname(require.resolve('@cubewalk/handlers/package.json'))
const handlersSrc = join(handlersRoot, 'src')
const cdkCli = join(dirname(require.resolve('aws-cdk/package.json')), 'bin', 'cdk')

mkdirSync(join(handlersRoot, '.tmp'), { recursive: true })
const copy = mkdtempSync(join(handlersRoot, '.tmp', 'watch-bench-'))
cpSync(handlersSrc, join(copy, 'src'), { recursive: true })
mkdirSync(join(stackDir, '.tmp'), { recursive: true })
const scratch = mkdtempSync(join(stackDir, '.tmp', 'watch-bench-'))
// A stand-in for the stack's sources (the real ones are not edited); the synth output lives beside it, unwatched.
const stackSources = join(scratch, 'src')
mkdirSync(stackSources)
const stackMarker = join(stackSources, 'stack-source.ts')
writeFileSync(stackMarker, 'export const revision = 0\n')
const wiring = {
  ...cubewalkWiring,
  functionSource(fn) {
    const source = handlerSource(fn)
    if (source?.kind !== 'esbuild') return source
    return { ...source, entry: join(copy, 'src', relative(handlersSrc, source.entry)) }
  },
}

let synths = 0
/** `cdk synth` of this app, as --watch runs it, into a new scratch directory. */
const resynthesize = () =>
  new Promise((resolve, reject) => {
    const out = join(scratch, `cdk.out.${++synths}`)
    const child = spawn(process.execPath, [cdkCli, 'synth', '--quiet', '--no-notices', '--output', out], {
      cwd: stackDir,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
    })
    let errors = ''
    child.stderr.on('data', (chunk) => {
      errors += chunk
    })
    child.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`cdk synth: ${errors}`))))
  })

const reports = []
const runner = await startRunner({
  assemblyDir: join(stackDir, values.assembly),
  port: 0,
  functionOutput: 'ignore',
  onInvocation: (report) => reports.push(report),
  log: () => {},
  wiring,
})
let onEvent = () => {}
const watch = startWatch({
  runner,
  wiring,
  stackPaths: [stackSources],
  resynthesize,
  appDir: stackDir,
  log: (line) => {
    if (/did not|warning/.test(line)) process.stderr.write(`${line}\n`)
  },
  onEvent: (event) => onEvent(event),
})
await watch.ready
const event = (kind) =>
  new Promise((resolve) => {
    onEvent = (e) => {
      if (e.kind === kind) resolve({ ...e, at: performance.now() })
    }
  })
const list = async () => {
  const res = await call(runner.origin, 'GET', '/prod/cubewalkblocks', { token: 'cubewalk-allow' })
  if (res.status !== 200) throw new Error(`GET /prod/cubewalkblocks: ${res.status} ${res.text}`)
  return res.json()
}
/** Polls until `accept(body)`, from `since`: the time until the first answer that shows the change. */
const until = async (accept, since) => {
  for (;;) {
    if (accept(await list())) return performance.now() - since
    if (performance.now() - since > 60_000) throw new Error('the change never showed')
  }
}

const route = join(copy, 'src', 'blocks', 'routes', 'list-worlds.ts')
const original = readFileSync(route, 'utf8')
const authorizers = new Set(runner.authorizerFunctions())
const fileMs = []
const buildMs = []
const coldMs = []
const initMs = []
const stackMs = []
const synthMs = []
let authorizerColdStarts = 0
await list()
await list()
const loadBefore = loadavg()[0]
const runs = Number(values.runs)
const stackRuns = Number(values['stack-runs'])
try {
  for (let i = 1; i <= Math.max(runs, stackRuns); i++) {
    if (i <= runs) {
      const marker = `run-${i}`
      const since = reports.length
      const rebuilt = event('function')
      const saved = performance.now()
      writeFileSync(
        route,
        original.replace(
          'worlds: await storeOf(context).listWorlds(),',
          `worlds: await storeOf(context).listWorlds(), edited: '${marker}',`,
        ),
      )
      fileMs.push(await until((body) => body.edited === marker, saved))
      const swapped = await rebuilt
      buildMs.push(swapped.ms)
      coldMs.push(performance.now() - swapped.at)
      initMs.push(
        reports.slice(since).find((r) => r.cold && !authorizers.has(r.functionLogicalId))?.initMs ??
          Number.NaN,
      )
      authorizerColdStarts += reports
        .slice(since)
        .filter((r) => authorizers.has(r.functionLogicalId) && r.cold).length
      await list()
    }
    if (i <= stackRuns) {
      const reloaded = event('stack')
      const saved = performance.now()
      writeFileSync(stackMarker, `export const revision = ${i}\n`)
      const done = await reloaded
      stackMs.push(await until(() => true, saved))
      synthMs.push(done.ms)
    }
  }
} finally {
  await runner.stop()
  await watch.close()
  rmSync(copy, { recursive: true, force: true })
  rmSync(scratch, { recursive: true, force: true })
}

const summary = (name, values, unit = 'ms', scale = 1) => {
  if (values.length === 0) return `${name}: not run`
  const sorted = [...values].sort((a, b) => a - b)
  const f = (v) => (v / scale).toFixed(scale === 1 ? 0 : 2)
  return `${name}: median ${f(sorted[Math.floor(sorted.length / 2)])} ${unit}, min ${f(sorted[0])}, max ${f(sorted.at(-1))} (${values.length} runs: ${values.map(f).join(', ')})`
}
console.log(
  `Node ${process.version}, ${cpus().length} CPUs, load average ${loadBefore.toFixed(1)} before, ${loadavg()[0].toFixed(1)} after`,
)
console.log(summary('one-file change, save -> first request on the new code', fileMs))
console.log(summary('  of which debounce-free esbuild rebuild + swap', buildMs))
console.log(
  summary('  swap -> first request on the new code answered (cold start, Redis connection)', coldMs),
)
console.log(summary("  of which the new instance's init (REPORT Init Duration)", initMs))
console.log(`  authorizer cold starts during the function reloads: ${authorizerColdStarts}`)
console.log(summary('stack change, save -> first request on the reloaded stack', stackMs, 's', 1000))
console.log(summary('  of which cdk synth + reload', synthMs, 's', 1000))
