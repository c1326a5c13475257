// Benchmarks `npm start` (issue 5): the runner against a bare node:http server calling the same blocks handler
// with the same Redis, then a 30 s load with the runner's RSS sampled, then a burst of 60 parallel requests the
// moment a fresh runner is ready (every instance cold). Prints a summary; not part of `npm test`.
// A third server splits the gap: the bare server with the handler loaded once per runner instance (`--copies`,
// the runner's default cap), so `copies / bare` is what the instance model costs with no runner code at all
// and `runner / copies` what the runner itself adds.
//
// Usage (from packages/stack, after `npm run synth` or `npm start` once wrote cdk.out):
//   node bench/local-throughput.mjs [--assembly cdk.out] [--duration 10] [--rounds 3] [--load 30] [--connections 50]
//     [--warmup 20] [--warmup-requests 100000]
import { readdirSync, readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import {
  CHUNK,
  CHUNK_BLOCKS,
  http,
  loadOptions,
  runnerCommand,
  serverOptions,
  startChild,
  startServers,
  stopChild,
  TOKEN,
  waitUntil,
  warmUp,
} from './bench-servers.mjs'

const { freePort, startLocalRedis } = await import('@cubewalk/local/internals')

const { values } = parseArgs({
  options: {
    ...serverOptions,
    ...loadOptions,
    duration: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '3' },
    load: { type: 'string', default: '30' },
    burst: { type: 'string', default: '60' },
  },
})
const duration = Number(values.duration)
const connections = Number(values.connections)
function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024
}

/** CPU time (user + system, all threads) a process has used so far, in µs. */
function cpuMicros(pid) {
  return statCpuMicros(`/proc/${pid}/stat`)
}

/** utime + stime of a /proc stat file, in µs (clock ticks of 10 ms). */
function statCpuMicros(file) {
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100
}

/**
 * CPU time per thread kind, in µs: Node names its threads (MainThread: the HTTP server; WorkerThread: function
 * hosts; V8Worker: V8's garbage collector and compiler helpers), so the split shows where a request's CPU goes.
 */
function cpuMicrosByThread(pid) {
  const byKind = {}
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const kind = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim()
      byKind[kind] = (byKind[kind] ?? 0) + statCpuMicros(`/proc/${pid}/task/${tid}/stat`)
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return byKind
}

async function cannon(port, seconds, pid) {
  const cpuBefore = pid ? cpuMicros(pid) : 0
  const threadsBefore = pid ? cpuMicrosByThread(pid) : {}
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${CHUNK}`,
    connections,
    duration: seconds,
    headers: { token: TOKEN },
  })
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    // The server process's CPU per request (µs): less noisy than req/s on a shared machine.
    ...(pid
      ? {
          cpuUsPerRequest: Math.round((cpuMicros(pid) - cpuBefore) / result.requests.total),
          cpuUsPerRequestByThread: perRequest(threadsBefore, cpuMicrosByThread(pid), result.requests.total),
        }
      : {}),
  }
}

function perRequest(before, after, requests) {
  const split = {}
  for (const [kind, micros] of Object.entries(after)) {
    const used = Math.round((micros - (before[kind] ?? 0)) / requests)
    if (used > 0) split[kind] = used
  }
  return split
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const redis = await startLocalRedis()
const servers = await startServers(values, redis.url)
const { blocks } = servers
const [runner, bare, copies] = [servers.runner.child, servers.bare.child, servers.copies.child]
const [runnerPort, barePort, copiesPort] = [servers.runner.port, servers.bare.port, servers.copies.port]

console.error(
  `warm-up (${values.warmup} s and ${values['warmup-requests']} answers each), then ${values.rounds} rounds of ${duration} s per server at ${connections} connections`,
)
for (const port of [runnerPort, barePort, copiesPort]) await warmUp(port, values)
const rounds = []
const threads = (r) =>
  Object.entries(r.cpuUsPerRequestByThread)
    .map(([kind, micros]) => `${kind} ${micros}`)
    .join(', ')
const show = (name, r) => `${name} ${r.rps.toFixed(0)} req/s (${r.cpuUsPerRequest} µs CPU/req: ${threads(r)})`
for (let i = 0; i < Number(values.rounds); i++) {
  const viaRunner = await cannon(runnerPort, duration, runner.pid)
  const viaBare = await cannon(barePort, duration, bare.pid)
  const viaCopies = await cannon(copiesPort, duration, copies.pid)
  rounds.push({ runner: viaRunner, bare: viaBare, copies: viaCopies })
  console.error(
    `round ${i + 1}: ${show('runner', viaRunner)}, ${show('bare', viaBare)}, ${show(`bare x${values.copies}`, viaCopies)}; runner/bare ${(viaRunner.rps / viaBare.rps).toFixed(3)}`,
  )
}
await stopChild(bare)
await stopChild(copies)
const runnerRps = median(rounds.map((r) => r.runner.rps))
const bareRps = median(rounds.map((r) => r.bare.rps))
const copiesRps = median(rounds.map((r) => r.copies.rps))

console.error(`load: ${values.load} s at ${connections} connections through the runner, RSS sampled`)
let maxRss = rssMb(runner.pid)
const sampler = setInterval(() => {
  maxRss = Math.max(maxRss, rssMb(runner.pid))
}, 250)
const load = await cannon(runnerPort, Number(values.load), runner.pid)
clearInterval(sampler)
maxRss = Math.max(maxRss, rssMb(runner.pid))
await stopChild(runner)

console.error(`burst: ${values.burst} parallel requests the moment a fresh runner is ready`)
const burstPort = await freePort()
const fresh = startChild(runnerCommand(values, burstPort), { REDIS_URL: redis.url }, 'pipe')
let freshOut = ''
fresh.stdout.on('data', (chunk) => {
  freshOut += chunk
})
// A route that does not exist answers 403 without invoking anything: the runner is up, every instance still cold.
await waitUntil(
  async () => (await http('GET', burstPort, '/prod/ready-probe')).status === 403,
  'fresh runner',
)
const burstStarted = performance.now()
const burst = await Promise.all(
  Array.from({ length: Number(values.burst) }, async () => {
    const started = performance.now()
    const res = await http('GET', burstPort, CHUNK)
    const ok = res.status === 200 && JSON.parse(res.text).blocks === CHUNK_BLOCKS
    return { status: res.status, ok, ms: performance.now() - started }
  }),
)
const burstWall = performance.now() - burstStarted
await new Promise((r) => setTimeout(r, 100))
await stopChild(fresh)
await redis.stop()

const coldStarts = (name) =>
  freshOut
    .split('\n')
    .filter((l) => l.startsWith('REPORT') && l.includes(name) && l.includes('Init Duration')).length
const summary = {
  node: process.version,
  runnerArgs: [...values['runner-node-arg'], ...values['runner-arg']],
  connections,
  throughput: {
    runnerRps: Math.round(runnerRps),
    bareRps: Math.round(bareRps),
    ratio: Number((runnerRps / bareRps).toFixed(3)),
    // Each round's runner / bare and bare / runner CPU per request: on a shared machine the spread is the figure.
    roundRatios: rounds.map((r) => Number((r.runner.rps / r.bare.rps).toFixed(3))),
    roundCpuRatios: rounds.map((r) => Number((r.bare.cpuUsPerRequest / r.runner.cpuUsPerRequest).toFixed(3))),
    copies: Number(values.copies),
    copiesRps: Math.round(copiesRps),
    copiesVsBare: Number((copiesRps / bareRps).toFixed(3)),
    runnerVsCopies: Number((runnerRps / copiesRps).toFixed(3)),
    rounds,
  },
  load: { seconds: Number(values.load), ...load, maxRssMb: Math.round(maxRss) },
  burst: {
    requests: burst.length,
    correct: burst.filter((b) => b.ok).length,
    fiveXx: burst.filter((b) => b.status >= 500).length,
    statuses: [...new Set(burst.map((b) => b.status))],
    maxMs: Math.round(Math.max(...burst.map((b) => b.ms))),
    wallMs: Math.round(burstWall),
    coldStarts: {
      blocks: coldStarts(blocks.name),
      authorizer: freshOut
        .split('\n')
        .filter((l) => l.startsWith('REPORT') && !l.includes(blocks.name) && l.includes('Init Duration'))
        .length,
    },
  },
}
console.log(JSON.stringify(summary, null, 2))
const goals = {
  // Issue 13's goal for the default (thread) isolation, median of the rounds.
  'ratio >= 0.60': summary.throughput.ratio >= 0.6,
  'load: zero errors': load.errors === 0,
  'load: zero non-2xx': load.non2xx === 0,
  'load: RSS < 500 MB': summary.load.maxRssMb < 500,
  'burst: all correct, none 5xx': summary.burst.correct === burst.length && summary.burst.fiveXx === 0,
}
for (const [goal, met] of Object.entries(goals)) console.error(`${met ? 'PASS' : 'FAIL'}  ${goal}`)
process.exit(Object.values(goals).every(Boolean) ? 0 : 1)
