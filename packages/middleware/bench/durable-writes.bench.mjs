// Durable writes: what WAIT for one replica adds to a write, and how fast the 503 comes when the replica cannot
// confirm. A private primary with one replica on loopback, so the figures are the mechanism's own cost; across
// AZs add one network round trip between primary and replica.
// Usage: npm run build -w @cubewalk/middleware && node packages/middleware/bench/durable-writes.bench.mjs

import { startRedis } from '@cubewalk/redis-harness'
import { Redis } from 'ioredis'
import { durableWrites } from '../dist/index.js'

const writes = Number(process.env.BENCH_WRITES ?? 2000)
const refusals = Number(process.env.BENCH_REFUSALS ?? 20)

const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]
}

const context = { getRemainingTimeInMillis: () => 30_000 }

export async function benchDurableWrites() {
  const primary = await startRedis({ args: ['--repl-diskless-sync-delay', '0'] })
  const replica = await startRedis({ args: ['--replicaof', '127.0.0.1', String(primary.port)] })
  const client = new Redis(primary.url)
  try {
    while (!/master_link_status:up/.test(await replica.cli('INFO', 'replication'))) {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const durable = durableWrites({ replicas: 1, timeout: 100 })
    const plain = []
    const confirmed = []
    // Alternate the two variants so that load drifts on a shared machine hit both alike.
    for (let i = 0; i < writes; i++) {
      let started = performance.now()
      await client.set(`cubewalk:bench:plain:${i % 64}`, 'block-data')
      plain.push(performance.now() - started)
      started = performance.now()
      const pending = durable.begin(client, context)
      await client.set(`cubewalk:bench:durable:${i % 64}`, 'block-data')
      await pending.confirm()
      confirmed.push(performance.now() - started)
    }
    const refused = []
    process.kill(replica.pid, 'SIGSTOP')
    try {
      for (let i = 0; i < refusals; i++) {
        const started = performance.now()
        const pending = durable.begin(client, context)
        await client.set('cubewalk:bench:refused', String(i))
        await pending.confirm().then(
          () => {
            throw new Error('a frozen replica confirmed a write')
          },
          (error) => {
            if (error.statusCode !== 503) throw error
          },
        )
        refused.push(performance.now() - started)
      }
    } finally {
      process.kill(replica.pid, 'SIGCONT')
    }
    return {
      writes,
      refusals,
      plain: { p50: percentile(plain, 0.5), p99: percentile(plain, 0.99) },
      confirmed: { p50: percentile(confirmed, 0.5), p99: percentile(confirmed, 0.99) },
      refused: { p50: percentile(refused, 0.5), max: Math.max(...refused) },
    }
  } finally {
    client.disconnect()
    await Promise.all([primary.stop(), replica.stop()])
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchDurableWrites()
  const ms = (value) => `${value.toFixed(2)} ms`
  console.log(`node ${process.version}, ${new Date().toISOString()}, ${r.writes} writes each, loopback\n`)
  console.log('| write | p50 | p99 |\n|---|---|---|')
  console.log(`| SET | ${ms(r.plain.p50)} | ${ms(r.plain.p99)} |`)
  console.log(`| SET + durableWrites (WAIT 1 100) | ${ms(r.confirmed.p50)} | ${ms(r.confirmed.p99)} |`)
  console.log(
    `\nreplica frozen (SIGSTOP), ${r.refusals} writes: 503 after p50 ${ms(r.refused.p50)}, max ${ms(r.refused.max)}`,
  )
}
