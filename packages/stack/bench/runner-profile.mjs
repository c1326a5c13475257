// Where the runner's CPU per request goes, by stage (issue 13 §4), beside the bare server's. Each server runs
// with V8's perf map (`--perf-basic-prof-only-functions`, so JavaScript frames have names) and, under the same
// autocannon load as local-throughput.mjs, `perf record -g` samples its threads' on-CPU time (cpu-clock: a
// thread waiting for a core is not sampled, so a preempted write or postMessage is not charged for the wait).
// A sample belongs to the stage of the innermost frame on its stack that names one (STAGES), so Node's and
// the kernel's code count toward the stage that called them: a socket write under the handler's Redis client is
// the handler's, under the runner's response writer the HTTP response's. Needs perf (linux-perf) allowed to
// attach to a child process (kernel.perf_event_paranoid <= 2).
//
// Usage (from packages/stack, after `npm run synth`):
//   node bench/runner-profile.mjs [--warmup 20] [--warmup-requests 100000] [--seconds 8] [--detail] [--runner-arg=--isolation=inline]
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import {
  CHUNK,
  loadOptions,
  serverOptions,
  startServers,
  stopChild,
  TOKEN,
  warmUp,
} from './bench-servers.mjs'

const { startLocalRedis } = await import('@cubewalk/local/internals')

const { values } = parseArgs({
  options: {
    ...serverOptions,
    ...loadOptions,
    seconds: { type: 'string', default: '8' },
    // Also list, under each stage, the innermost frames its samples were in.
    detail: { type: 'boolean', default: false },
  },
})
if (spawnSync('perf', ['--version']).status !== 0) {
  console.error('bench/runner-profile.mjs needs perf on the PATH (Debian: apt-get install linux-perf)')
  process.exit(1)
}
const seconds = Number(values.seconds)
const connections = Number(values.connections)
const workDir = mkdtempSync(join(tmpdir(), 'runner-profile-'))
// These flags also make V8 write an isolate log per thread into the working directory: kept in workDir instead.
const perfArgs = [
  '--perf-basic-prof-only-functions',
  '--interpreted-frames-native-stack',
  `--logfile=${join(workDir, 'v8.log')}`,
  '--no-logfile-per-isolate',
]

/** [stage, test on one frame's text as `perf script` prints it]; a sample's innermost matching frame decides. */
const STAGES = [
  [
    'garbage collector (this thread)',
    /v8::internal::(Heap::|Scavenger|MarkCompact|GCTracer|Sweeper|.*Evacuat|.*Marking)/,
  ],
  [
    'JIT compiler (V8 optimizing code)',
    /v8::internal::(compiler::|maglev::|baseline::|Compiler::|OptimizingCompile)/,
  ],
  [
    'thread hop (post, receive)',
    /MessagePort|ValueSerializer|ValueDeserializer|node::worker::Message|\/worker\/io|per_context\/messageport|hosts\/thread-host\.ts/,
  ],
  ['request logging', /\/src\/cli\//],
  ['handler (the bundle)', /\/asset\.[0-9a-f]+\//],
  ['proxy event (parse, build)', /\/gateway\/proxy-event\.ts/],
  ['result shaping (proxy result)', /\/gateway\/proxy-result\.ts|'proxyOutcome /],
  ['authorizer cache + policy', /\/gateway\/(authorizer|execute-api-policy)\.ts/],
  ['route match', /\/gateway\/resource-match\.ts/],
  ['HTTP response (write)', /'(writeOutgoing|unsendable) .*\/gateway\/server\.ts/],
  ['gateway (intake, ids, integration)', /\/gateway\/|\/template\/local-ids\.ts/],
  [
    'runtime wrapper (context, scope, console)',
    /\/lambda\/(function-runtime|lambda-console)\.ts|async_local_storage|async_context_frame/,
  ],
  ['pool (dispatch, deadlines, result)', /\/lambda\/(lambda-pool|deadlines)\.ts/],
  // The bare server's own code: its handler call, event building and response.
  ['bare server (event, response)', /local-bare-server\.mjs/],
  ['HTTP request (parse)', /llhttp|node::http_parser|node:_http_(server|common|incoming)/],
]
const OTHER = 'event loop, promises, other (Node, V8, kernel)'

/** Samples of `perf script` text: thread id, thread name, frames innermost first. */
function* samples(text) {
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((line) => line.trim() !== '')
    const head = /^\s*(\S+)\s+(\d+)\s/.exec(lines[0] ?? '')
    if (!head) continue
    yield { name: head[1], tid: head[2], frames: lines.slice(1).map((line) => line.trim()) }
  }
}

function stageOf(frames) {
  for (const frame of frames) for (const [stage, test] of STAGES) if (test.test(frame)) return stage
  return OTHER
}

/** Short name of a frame for --detail: the function (and file) or the native symbol. */
function frameName(frame) {
  const symbol = frame.replace(/^[0-9a-f]+\s+/, '').replace(/\s+\([^)]*\)$/, '')
  return symbol
    .replace(/file:\/\/\/\S*\//, '')
    .replace(/\+0x[0-9a-f]+$/, '')
    .slice(0, 110)
}

/** Loads the server for `seconds` + 2 and records `seconds` of it; per-thread stage time in µs per request. */
async function profile(name, port, child) {
  const data = join(workDir, `${name}.perf`)
  const load = autocannon({
    url: `http://127.0.0.1:${port}${CHUNK}`,
    connections,
    duration: seconds + 2,
    headers: { token: TOKEN },
  })
  await new Promise((r) => setTimeout(r, 1_000))
  const perf = spawn(
    'perf',
    [
      'record',
      '-e',
      'cpu-clock',
      '-F',
      '1000',
      '-g',
      '-p',
      String(child.pid),
      '-o',
      data,
      '--',
      'sleep',
      String(seconds),
    ],
    { stdio: 'ignore' },
  )
  await new Promise((r) => perf.once('exit', r))
  const result = await load
  if (result.non2xx + result.errors > 0)
    throw new Error(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  const requests = result.requests.average * seconds
  const script = spawnSync('perf', ['script', '-i', data, '-F', 'comm,tid,ip,sym,dso'], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  }).stdout
  const threads = new Map()
  for (const sample of samples(script)) {
    const thread = threads.get(sample.tid) ?? {
      name: sample.name,
      total: 0,
      stages: new Map(),
      bundle: false,
    }
    threads.set(sample.tid, thread)
    const stage = stageOf(sample.frames)
    const entry = thread.stages.get(stage) ?? { count: 0, kernel: 0, leaves: new Map() }
    thread.stages.set(stage, entry)
    entry.count++
    if (sample.frames[0]?.includes('[kernel')) entry.kernel++
    const leaf = frameName(sample.frames[0] ?? '?')
    entry.leaves.set(leaf, (entry.leaves.get(leaf) ?? 0) + 1)
    thread.total++
    if (stage === 'handler (the bundle)') thread.bundle = true
  }
  // -F 1000: one sample per ms of CPU.
  const usPerRequest = (count) => (count * 1000) / requests
  return { name, rps: result.requests.average, threads, usPerRequest }
}

function report({ name, rps, threads, usPerRequest }) {
  const total = [...threads.values()].reduce((sum, t) => sum + t.total, 0)
  console.log(`\n${name}: ${Math.round(rps)} req/s, ${usPerRequest(total).toFixed(0)} µs of CPU per request`)
  // Threads of one kind (V8's helpers, idle workers) are summed; the busiest worker is the function's.
  const groups = new Map()
  for (const thread of threads.values()) {
    const label =
      thread.name === 'MainThread'
        ? name === 'runner'
          ? 'HTTP thread'
          : 'main thread'
        : thread.name === 'WorkerThread' && thread.bundle
          ? 'function thread (blocks)'
          : `${thread.name} threads`
    const group = groups.get(label) ?? { total: 0, stages: new Map() }
    groups.set(label, group)
    group.total += thread.total
    for (const [stage, entry] of thread.stages) {
      const into = group.stages.get(stage) ?? { count: 0, kernel: 0, leaves: new Map() }
      group.stages.set(stage, into)
      into.count += entry.count
      into.kernel += entry.kernel
      for (const [leaf, n] of entry.leaves) into.leaves.set(leaf, (into.leaves.get(leaf) ?? 0) + n)
    }
  }
  for (const [label, group] of [...groups].sort((a, b) => b[1].total - a[1].total)) {
    if (usPerRequest(group.total) < 0.5) continue
    console.log(`  ${label}: ${usPerRequest(group.total).toFixed(1)} µs/request`)
    for (const [stage, entry] of [...group.stages].sort((a, b) => b[1].count - a[1].count)) {
      const us = usPerRequest(entry.count)
      if (us < 0.3) continue
      console.log(
        `    ${us.toFixed(1).padStart(6)} µs  ${stage} (kernel ${usPerRequest(entry.kernel).toFixed(1)})`,
      )
      if (!values.detail) continue
      for (const [leaf, n] of [...entry.leaves].sort((a, b) => b[1] - a[1]).slice(0, 6)) {
        if (usPerRequest(n) >= 0.3)
          console.log(`             ${usPerRequest(n).toFixed(1).padStart(5)}  ${leaf}`)
      }
    }
  }
}

const redis = await startLocalRedis()
const servers = await startServers(
  { ...values, 'runner-node-arg': [...values['runner-node-arg'], ...perfArgs], 'bare-node-arg': perfArgs },
  redis.url,
)
await stopChild(servers.copies.child)
console.error(
  `warm-up ${values.warmup} s and ${values['warmup-requests']} answers each, then ${seconds} s recorded per server`,
)
for (const server of [servers.runner, servers.bare]) await warmUp(server.port, values)
const runner = await profile('runner', servers.runner.port, servers.runner.child)
const bare = await profile('bare', servers.bare.port, servers.bare.child)
await stopChild(servers.runner.child)
await stopChild(servers.bare.child)
await redis.stop()
rmSync(workDir, { recursive: true, force: true })
// Node leaves its perf maps behind.
for (const { child } of [servers.runner, servers.bare, servers.copies])
  rmSync(`/tmp/perf-${child.pid}.map`, { force: true })
console.log(
  `node ${process.version}, runner ${[...values['runner-node-arg'], ...values['runner-arg']].join(' ')}`,
)
report(runner)
report(bare)
