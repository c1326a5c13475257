// System calls per request for the three servers of local-throughput.mjs (the runner, the bare server, the bare
// server with the handler `--copies` times), counted by `strace -c -f` attached for a few seconds to each server
// under the same autocannon load; before that, where `perf` can count, CPU time, context switches and how many
// CPUs the server kept busy, from `perf stat` over another window. On a machine where waking another process or thread is what a request
// mostly costs, the count is a steadier measure than req/s, and it says where the runner's cost comes from:
// one Redis connection per instance (a read per reply instead of one read for many pipelined replies) and, with
// thread isolation, the hop to the function's worker thread. strace slows the server while attached; the counts
// per request are what this reports, not its speed. Needs strace (Debian: apt-get install strace).
//
// Usage (from packages/stack, after `npm run synth`):
//   node bench/syscalls.mjs [--warmup 20] [--seconds 5] [--copies 8] [--runner-arg=--isolation=inline]
import { spawn, spawnSync } from 'node:child_process'
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
    seconds: { type: 'string', default: '5' },
  },
})
if (spawnSync('strace', ['-V']).status !== 0) {
  console.error('bench/syscalls.mjs needs strace on the PATH (Debian: apt-get install strace)')
  process.exit(1)
}
// perf may be missing or not allowed to count (perf_event_paranoid); the CPU and context-switch columns need it.
const havePerf = spawnSync('perf', ['stat', '-e', 'task-clock,context-switches', '--', 'true']).status === 0
if (!havePerf) console.error('perf stat is not available: counting system calls only')
const seconds = Number(values.seconds)
const connections = Number(values.connections)

/** Runs a tracing tool attached to the server and resolves with what it printed on stderr once it ended. */
function attached(command, args) {
  return new Promise((resolvePromise, reject) => {
    const tool = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] })
    let text = ''
    tool.stderr.on('data', (chunk) => {
      text += chunk
    })
    tool.once('error', reject)
    tool.once('exit', () => resolvePromise(text))
  })
}

/** `strace -c -f` on `pid` for `seconds`: calls by system call name. */
async function straceCounts(pid) {
  const table = await attached('timeout', [
    '-s',
    'INT',
    String(seconds),
    'strace',
    '-c',
    '-f',
    '-p',
    String(pid),
  ])
  const calls = {}
  // Rows: % time, seconds, usecs/call, calls, [errors], syscall.
  for (const line of table.split('\n')) {
    const fields = line.trim().split(/\s+/)
    if (fields.length < 5 || !/^\d/.test(fields[0]) || !/^\d+$/.test(fields[3])) continue
    const name = fields[fields.length - 1]
    if (name !== 'total') calls[name] = Number(fields[3])
  }
  if (Object.keys(calls).length === 0) throw new Error(`strace printed no counts:\n${table}`)
  return calls
}

/** `perf stat` on `pid` for `seconds`: CPU time (ms), context switches and CPU migrations, all threads. */
async function perfCounters(pid) {
  const text = await attached('perf', [
    'stat',
    '-e',
    'task-clock,context-switches,cpu-migrations',
    '-p',
    String(pid),
    '--',
    'sleep',
    String(seconds),
  ])
  const counter = (event) => {
    const match = new RegExp(`^\\s*([\\d.,]+)\\s+(?:msec\\s+)?${event}\\b`, 'm').exec(text)
    if (!match) throw new Error(`perf stat printed no ${event}:\n${text}`)
    return Number(match[1].replaceAll(',', ''))
  }
  return {
    cpuMs: counter('task-clock'),
    switches: counter('context-switches'),
    migrations: counter('cpu-migrations'),
  }
}

/** Counts `measure` takes while the load runs, with the number of responses meanwhile. */
async function whileLoaded(url, measure) {
  let responses = 0
  const load = autocannon({ url, connections, duration: seconds + 2, headers: { token: TOKEN } })
  load.on('response', () => {
    responses++
  })
  await new Promise((r) => setTimeout(r, 1000))
  const before = responses
  const counts = await measure()
  const during = responses - before
  const result = await load
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`non-2xx or errors on ${url}`)
  return { counts, during }
}

/**
 * After the warm-up, a window under `perf stat` (when perf is there) and one under `strace -c` (which slows the
 * server, so it comes second), each divided by the responses during its own window.
 */
async function perRequest(port, pid) {
  const url = `http://127.0.0.1:${port}${CHUNK}`
  await warmUp(port, values)
  let perf
  if (havePerf) {
    const { counts, during } = await whileLoaded(url, () => perfCounters(pid))
    perf = {
      cpuUsPerRequest: Math.round((counts.cpuMs * 1000) / during),
      cpusBusy: Number((counts.cpuMs / 1000 / seconds).toFixed(2)),
      contextSwitchesPerRequest: Number((counts.switches / during).toFixed(3)),
      migrationsPerRequest: Number((counts.migrations / during).toFixed(4)),
      requestsPerSecond: Math.round(during / seconds),
    }
  }
  const { counts: calls, during } = await whileLoaded(url, () => straceCounts(pid))
  const syscalls = {}
  for (const [name, count] of Object.entries(calls)) syscalls[name] = Number((count / during).toFixed(2))
  syscalls.total = Number((Object.values(calls).reduce((a, b) => a + b, 0) / during).toFixed(2))
  return { requests: during, syscallsPerRequest: syscalls, perf }
}

const redis = await startLocalRedis()
const servers = await startServers(values, redis.url)
const results = {}
try {
  for (const [name, server] of [
    ['runner', servers.runner],
    ['bare', servers.bare],
    [`bare x${values.copies}`, servers.copies],
  ]) {
    const result = await perRequest(server.port, server.child.pid)
    results[name] = result
    const { total, ...calls } = result.syscallsPerRequest
    const shown = Object.entries(calls)
      .filter(([, n]) => n >= 0.01)
      .sort((a, b) => b[1] - a[1])
      .map(([call, n]) => `${call} ${n}`)
      .join(', ')
    const perf = result.perf
      ? `; ${result.perf.cpuUsPerRequest} µs CPU, ${result.perf.contextSwitchesPerRequest} context switches per request, ${result.perf.cpusBusy} CPUs busy at ${result.perf.requestsPerSecond} req/s`
      : ''
    console.error(`${name}: ${total} system calls per request (${shown})${perf}`)
  }
} finally {
  for (const server of [servers.runner, servers.bare, servers.copies]) await stopChild(server.child)
  await redis.stop()
}
console.log(
  JSON.stringify({ node: process.version, runnerArgs: values['runner-arg'], connections, results }, null, 2),
)
