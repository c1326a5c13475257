// A healthy Redis must never answer 503 (issue 12, defect 5). Starts `npm start`'s runner on the synthesized
// bundles with a private, healthy redis-server, seeds one chunk, then, the moment the runner is up (every
// function instance cold), opens `--connections` connections at once and reads the chunk until `--requests`
// answers came back. Every answer must be a 200; the counts per status are printed as JSON and the exit code is
// 1 when any answer was not (or a request failed or timed out). Not a timed test: the load only has to be heavy enough to keep the
// event loops of the function instances busy past the 500 ms command budget.
//
// Usage (from packages/stack, after `npm run synth` or `npm start` once wrote cdk.out):
//   node bench/healthy-burst.mjs [--assembly cdk.out] [--connections 500] [--requests 10000] [--rounds 1]
//                                [--runner-arg=--concurrency=60] [--runner-arg=--isolation=inline]
import { parseArgs } from 'node:util'
import autocannon from 'autocannon'
import {
  CHUNK,
  CHUNK_BLOCKS,
  http,
  runnerCommand,
  serverOptions,
  startChild,
  stopChild,
  waitUntil,
} from './bench-servers.mjs'

const { freePort, startLocalRedis } = await import('@cubewalk/local/internals')

const { values } = parseArgs({
  options: {
    ...serverOptions,
    connections: { type: 'string', default: '500' },
    requests: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '1' },
    // Keep the functions' own console output (the 5xx causes jsonResponse logs) and sample its ERROR lines.
    'function-output': { type: 'boolean', default: false },
  },
})

/** One fresh runner, one burst: the counts of each status and of 200s that did not carry the chunk. */
async function burstRound(redisUrl) {
  const port = await freePort()
  const command = runnerCommand(values, port).filter(
    (arg) => !(values['function-output'] && arg === '--quiet-functions'),
  )
  const runner = startChild(command, { REDIS_URL: redisUrl }, 'pipe')
  let output = ''
  runner.stdout.on('data', (chunk) => {
    output += chunk
  })
  try {
    // A route that does not exist answers 403 without invoking anything: the runner is up, every instance cold.
    await waitUntil(async () => (await http('GET', port, '/prod/ready-probe')).status === 403, 'runner')
    const statuses = new Map()
    const started = performance.now()
    const result = await new Promise((resolve, reject) => {
      const instance = autocannon(
        {
          url: `http://127.0.0.1:${port}${CHUNK}`,
          headers: { token: 'cubewalk-allow' },
          connections: Number(values.connections),
          amount: Number(values.requests),
          // Far above the runner's integration timeout (29 s): every request gets its answer, none is dropped.
          timeout: 60,
        },
        (error, done) => (error ? reject(error) : resolve(done)),
      )
      instance.on('response', (_client, statusCode) => {
        statuses.set(statusCode, (statuses.get(statusCode) ?? 0) + 1)
      })
    })
    const lines = output.split('\n')
    const coldStarts = lines.filter((line) => line.includes('Init Duration')).length
    // The runner's request lines of the first failures of each status, and REPORT lines of failed invocations,
    // say which function failed and how.
    const failures = {}
    for (const line of lines) {
      const status = / → (\d{3}) /.exec(line)?.[1]
      const key =
        status !== undefined && status !== '200' && line.includes(` ${CHUNK} → `) ? status : undefined
      const report = line.includes('\tStatus: ') ? 'REPORT' : undefined
      const logged = line.includes('"level":"ERROR"') ? 'ERROR' : undefined
      const group = key ?? report ?? logged
      if (group === undefined) continue
      failures[group] ??= []
      if (failures[group].length < 3) failures[group].push(line)
    }
    return {
      requests: result.requests.sent,
      statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b)),
      errors: result.errors,
      timeouts: result.timeouts,
      p99Ms: result.latency.p99,
      maxMs: result.latency.max,
      wallMs: Math.round(performance.now() - started),
      coldStarts,
      failures,
    }
  } finally {
    await stopChild(runner)
  }
}

const redis = await startLocalRedis()
try {
  // Seed the chunk through a runner of its own, so the measured runners start with every instance cold.
  const seedPort = await freePort()
  const seeder = startChild(runnerCommand(values, seedPort), { REDIS_URL: redis.url })
  await waitUntil(async () => (await http('GET', seedPort, '/prod/cubewalkblocks')).status === 200, 'seeder')
  const put = await http('PUT', seedPort, CHUNK, JSON.stringify({ blocks: CHUNK_BLOCKS }))
  await stopChild(seeder)
  if (put.status !== 200) throw new Error(`seeding the chunk failed: ${put.status} ${put.text}`)

  const rounds = []
  for (let round = 0; round < Number(values.rounds); round++) rounds.push(await burstRound(redis.url))
  const summary = {
    node: process.version,
    runnerArgs: [...values['runner-node-arg'], ...values['runner-arg']],
    connections: Number(values.connections),
    rounds,
  }
  console.log(JSON.stringify(summary, null, 2))
  const healthy = rounds.every(
    (r) => Object.keys(r.statuses).every((status) => status === '200') && r.errors === 0 && r.timeouts === 0,
  )
  console.error(healthy ? 'every answer: 200' : 'NOT every answer was a 200')
  process.exitCode = healthy ? 0 : 1
} finally {
  await redis.stop()
}
