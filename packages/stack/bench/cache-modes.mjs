// `npm start` with the faithful cache (TLS front, ACL user, IAM tokens) against `--cache plain`: seconds to ready
// and the latency of a warm request, alternating runs of each mode, cdk.out reused (run `npm start` once first).
// `node bench/cache-modes.mjs [runs] [requests]`, default 5 runs of each, 2000 measured requests per run.
// A warm request: GET /prod/cubewalkblocks with the token (authorizer result cached, blocks function warm,
// its connection to the cache open), sent one at a time over a keep-alive connection after 50 unmeasured ones.
// CPU: the runner process's user + system time (all its threads, the cache front included; not redis-server)
// over the measured requests, from /proc (Linux), per request.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { fileURLToPath } from 'node:url'

const stackDir = fileURLToPath(new URL('../', import.meta.url))
const runs = Number(process.argv[2] ?? 5)
const requests = Number(process.argv[3] ?? 2000)
const ticksPerSecond = 100 // USER_HZ on Linux
/** CPU time (ms) of `pid` so far: utime + stime from /proc/<pid>/stat. */
const cpuMs = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

const get = (agent, origin) =>
  new Promise((resolve, reject) => {
    const began = performance.now()
    const req = request(
      `${origin}/prod/cubewalkblocks`,
      { agent, headers: { token: 'cubewalk-allow' } },
      (res) => {
        res.resume()
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`))
          else resolve(performance.now() - began)
        })
      },
    )
    req.on('error', reject)
    req.end()
  })

function run(mode) {
  return new Promise((resolve, reject) => {
    const began = performance.now()
    const child = spawn(
      process.execPath,
      ['bin/start.mjs', '--port', '0', '--quiet-functions', '--cache', mode],
      { cwd: stackDir, env: { ...process.env, REDIS_URL: '', PORT: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let output = ''
    let result
    const onData = async (chunk) => {
      output += chunk.toString()
      if (result !== undefined || !output.includes('Ctrl-C stops everything.')) return
      result = { readyMs: performance.now() - began }
      if (!output.includes('reusing cdk.out'))
        result.error = new Error('cdk.out was not reused: run npm start once')
      const origin = /(http:\/\/127\.0\.0\.1:\d+)\/prod\//.exec(output)?.[1]
      const agent = new Agent({ keepAlive: true, maxSockets: 1 })
      try {
        for (let i = 0; i < 50; i++) await get(agent, origin)
        const latencies = []
        const cpuBefore = cpuMs(child.pid)
        for (let i = 0; i < requests; i++) latencies.push(await get(agent, origin))
        result.cpuUsPerRequest = ((cpuMs(child.pid) - cpuBefore) * 1000) / requests
        result.warmMs = median(latencies)
      } catch (error) {
        result.error = error
      }
      agent.destroy()
      child.kill('SIGTERM')
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => {
      if (result === undefined) reject(new Error(`npm start exited ${code} before ready:\n${output}`))
      else if (result.error) reject(result.error)
      else resolve(result)
    })
  })
}

const results = { faithful: [], plain: [] }
for (let i = 0; i < runs; i++) {
  for (const mode of ['faithful', 'plain']) results[mode].push(await run(mode))
}
console.log(
  `node ${process.version}, ${runs} alternating runs of each mode, ${requests} warm requests per run`,
)
for (const [mode, list] of Object.entries(results)) {
  const ready = list.map((r) => r.readyMs / 1000)
  const warm = list.map((r) => r.warmMs)
  const cpu = list.map((r) => r.cpuUsPerRequest)
  console.log(
    `${mode.padEnd(8)} ready (s): ${ready.map((s) => s.toFixed(2)).join(', ')}   median ${median(ready).toFixed(2)}\n` +
      `         warm request median per run (ms): ${warm.map((ms) => ms.toFixed(2)).join(', ')}   median ${median(warm).toFixed(2)}\n` +
      `         runner CPU per request (µs): ${cpu.map((us) => us.toFixed(0)).join(', ')}   median ${median(cpu).toFixed(0)}`,
  )
}
