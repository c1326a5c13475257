// System calls per request for the three servers of local-throughput.mjs (the runner, the bare server, the bare
// server with the handler `--copies` times), counted by `strace -c -f` attached for a few seconds to each server
// under the same autocannon load. On a machine where waking another process or thread is what a request
// mostly costs, the count is a steadier measure than req/s, and it says where the runner's cost comes from:
// one Redis connection per instance (a read per reply instead of one read for many pipelined replies) and, with
// thread isolation, the hop to the function's worker thread. strace slows the server while attached; the counts
// per request are what this reports, not its speed. Needs strace (Debian: apt-get install strace).
//
// Usage (from packages/stack, after `npm run synth`):
//   node bench/syscalls.mjs [--warmup 20] [--seconds 5] [--copies 8] [--runner-arg=--isolation=inline]
import { spawn, spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import { CHUNK, RUNNER_NODE_ARGS, stackDir, startServers, stopChild, TOKEN } from './bench-servers.mjs'

const { startLocalRedis } = await import('../src/local/local-redis.ts')
const { DEFAULT_CONCURRENCY } = await import('../src/local/runner.ts')

const { values } = parseArgs({
  options: {
    assembly: { type: 'string', default: resolve(stackDir, 'cdk.out') },
    warmup: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    copies: { type: 'string', default: String(DEFAULT_CONCURRENCY) },
    'runner-arg': { type: 'string', multiple: true, default: [] },
    'runner-node-arg': { type: 'string', multiple: true, default: RUNNER_NODE_ARGS },
  },
})
if (spawnSync('strace', ['-V']).status !== 0) {
  console.error('bench/syscalls.mjs needs strace on the PATH (Debian: apt-get install strace)')
  process.exit(1)
}
const seconds = Number(values.seconds)
const connections = Number(values.connections)

/** `strace -c -f` on `pid` for `seconds`, then its table: calls by system call name. */
function straceCounts(pid) {
  return new Promise((resolvePromise, reject) => {
    const strace = spawn('timeout', ['-s', 'INT', String(seconds), 'strace', '-c', '-f', '-p', String(pid)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let table = ''
    strace.stderr.on('data', (chunk) => {
      table += chunk
    })
    strace.once('error', reject)
    strace.once('exit', () => {
      const calls = {}
      // Rows: % time, seconds, usecs/call, calls, [errors], syscall.
      for (const line of table.split('\n')) {
        const fields = line.trim().split(/\s+/)
        if (fields.length < 5 || !/^\d/.test(fields[0]) || !/^\d+$/.test(fields[3])) continue
        const name = fields[fields.length - 1]
        if (name !== 'total') calls[name] = Number(fields[3])
      }
      if (Object.keys(calls).length === 0) reject(new Error(`strace printed no counts:\n${table}`))
      else resolvePromise(calls)
    })
  })
}

/** Load on `port` for the warm-up, then counts while strace is attached, divided by the responses meanwhile. */
async function perRequest(port, pid) {
  const url = `http://127.0.0.1:${port}${CHUNK}`
  const headers = { token: TOKEN }
  await autocannon({ url, connections, duration: Number(values.warmup), headers })
  let responses = 0
  const load = autocannon({ url, connections, duration: seconds + 2, headers })
  load.on('response', () => {
    responses++
  })
  await new Promise((r) => setTimeout(r, 1000))
  const before = responses
  const calls = await straceCounts(pid)
  const during = responses - before
  const result = await load
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`non-2xx or errors on ${port}`)
  const per = {}
  for (const [name, count] of Object.entries(calls)) per[name] = Number((count / during).toFixed(2))
  per.total = Number((Object.values(calls).reduce((a, b) => a + b, 0) / during).toFixed(2))
  return { requests: during, perRequest: per }
}

const redis = await startLocalRedis()
const servers = await startServers({
  assembly: values.assembly,
  redisUrl: redis.url,
  copies: Number(values.copies),
  nodeArgs: values['runner-node-arg'],
  runnerArgs: values['runner-arg'],
})
const results = {}
try {
  for (const [name, server] of [
    ['runner', servers.runner],
    ['bare', servers.bare],
    [`bare x${values.copies}`, servers.copies],
  ]) {
    results[name] = await perRequest(server.port, server.child.pid)
    const shown = Object.entries(results[name].perRequest)
      .filter(([, n]) => n >= 0.01)
      .sort((a, b) => b[1] - a[1])
      .map(([call, n]) => `${call} ${n}`)
      .join(', ')
    console.error(`${name}: ${shown} (system calls per request, ${results[name].requests} requests)`)
  }
} finally {
  for (const server of [servers.runner, servers.bare, servers.copies]) await stopChild(server.child)
  await redis.stop()
}
console.log(
  JSON.stringify({ node: process.version, runnerArgs: values['runner-arg'], connections, results }, null, 2),
)
