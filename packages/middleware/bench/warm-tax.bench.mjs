// Warm tax: what @cubewalk/middleware (redisPool + jsonResponse, error path armed) adds to a warm invocation,
// against a bare handler with a module-scope ioredis client doing the same GET, in the same run.
// Usage: npm run build -w @cubewalk/middleware && node packages/middleware/bench/warm-tax.bench.mjs
//
// A loopback GET costs tens of µs and jitters by more than the tax, so two pairs are measured:
// - "GET": the real round trip through each stack; the median difference is the tax with network noise;
// - "no I/O": the same stacks with the GET replaced by an already-resolved value, which isolates the tax.
// Rounds alternate the variants so that machine load drifts hit both alike; medians of round medians.

import { startRedis } from '@cubewalk/redis-harness'
import middy from '@middy/core'
import { Redis } from 'ioredis'
import { Bench } from 'tinybench'
import { closeRedisPool, jsonResponse, redisPool } from '../dist/index.js'

const rounds = Number(process.env.BENCH_ROUNDS ?? 5)
const timePerTask = Number(process.env.BENCH_TIME_MS ?? 600)

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const lambdaContext = () => ({
  awsRequestId: 'bench-request',
  functionName: 'bench',
  getRemainingTimeInMillis: () => 30_000,
})

export async function benchWarmTax() {
  const server = process.env.REDIS_URL ? undefined : await startRedis()
  const url = process.env.REDIS_URL ?? server.url
  const key = 'cubewalk:bench:warm-tax'
  const bare = new Redis(url)
  try {
    await bare.set(key, 'block-data')

    const bareGet = async () => {
      const value = await bare.get(key)
      return {
        statusCode: 200,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ value }),
      }
    }
    const bareNoIo = async () => {
      const value = await Promise.resolve('block-data')
      return {
        statusCode: 200,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ value }),
      }
    }
    const stack = (fn, middyOptions) =>
      middy(middyOptions).use(jsonResponse()).use(redisPool({ url })).handler(fn)
    const fullGet = stack(async (_event, context) => ({ value: await context.redis.get(key) }))
    const fullNoIo = stack(async (_event, context) => ({
      value: await Promise.resolve(context.redis && 'block-data'),
    }))
    // middy arms its early-timeout timer on every call unless timeoutEarlyInMillis is 0.
    const fullNoIoNoTimer = stack(
      async (_event, context) => ({ value: await Promise.resolve(context.redis && 'block-data') }),
      { timeoutEarlyInMillis: 0 },
    )
    const event = {}
    const context = lambdaContext()
    for (const fn of [fullGet, fullNoIo, fullNoIoNoTimer]) {
      const response = await fn(event, context)
      if (response.statusCode !== 200) throw new Error(`bench stack answered ${response.statusCode}`)
    }

    const variants = {
      'bare GET': () => bareGet(event, context),
      'middleware GET': () => fullGet(event, context),
      'bare no I/O': () => bareNoIo(event, context),
      'middleware no I/O': () => fullNoIo(event, context),
      'middleware no I/O, timeoutEarlyInMillis 0': () => fullNoIoNoTimer(event, context),
    }
    const medians = Object.fromEntries(Object.keys(variants).map((name) => [name, []]))
    for (let round = 0; round < rounds; round++) {
      const names = Object.keys(variants)
      if (round % 2) names.reverse()
      const bench = new Bench({ time: timePerTask, warmup: true })
      for (const name of names) bench.add(name, variants[name], { async: true })
      await bench.run()
      for (const task of bench.tasks) medians[task.name].push(task.result.latency.p50 * 1000)
    }
    const m = Object.fromEntries(Object.entries(medians).map(([name, values]) => [name, median(values)]))
    return {
      rounds,
      mediansUs: m,
      taxGetUs: m['middleware GET'] - m['bare GET'],
      taxNoIoUs: m['middleware no I/O'] - m['bare no I/O'],
      taxNoIoNoTimerUs: m['middleware no I/O, timeoutEarlyInMillis 0'] - m['bare no I/O'],
    }
  } finally {
    bare.disconnect()
    await closeRedisPool()
    await server?.stop()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await benchWarmTax()
  for (const [name, us] of Object.entries(result.mediansUs))
    console.log(`${name}: median ${us.toFixed(2)} µs`)
  console.log(`tax with a real GET: ${result.taxGetUs.toFixed(2)} µs (goal ≤ 1 µs)`)
  console.log(`tax, I/O removed: ${result.taxNoIoUs.toFixed(2)} µs (goal ≤ 1 µs)`)
  console.log(`tax, I/O removed, no early-timeout timer: ${result.taxNoIoNoTimerUs.toFixed(2)} µs`)
}
