// `npm run bench -w @cubewalk/middleware`: every middleware benchmark, one run, printed as the
// markdown rows docs/benchmarks.md records. Needs a built package (the script builds first) and redis-server.
import { benchAuthorizer } from './authorizer.bench.mjs'
import { benchColdImport } from './cold-import.bench.mjs'
import { benchWarmTax } from './warm-tax.bench.mjs'

const us = (value) => `${value.toFixed(2)} µs`
const verdict = (ok) => (ok ? 'met' : 'missed')

console.log(`node ${process.version}, ${new Date().toISOString()}\n`)

const warm = await benchWarmTax()
console.log(`### Warm tax (${warm.rounds} alternating rounds, medians of round medians)\n`)
console.log('| variant | median |\n|---|---|')
for (const [name, value] of Object.entries(warm.mediansUs)) console.log(`| ${name} | ${us(value)} |`)
console.log(
  `\ntax with a real GET: ${us(warm.taxGetUs)}; I/O removed: ${us(warm.taxNoIoUs)} (goal ≤ 1 µs: ${verdict(warm.taxNoIoUs <= 1)}); I/O removed and middy's early-timeout timer off: ${us(warm.taxNoIoNoTimerUs)}\n`,
)

const cold = await benchColdImport()
console.log(`### Cold import (${cold.runs} fresh processes each, alternating, medians)\n`)
console.log('| bundle | size | import median |\n|---|---|---|')
console.log(
  `| minimal handler (middy + jsonResponse + redisPool + GET) | ${(cold.handler.bytes / 1024).toFixed(1)} KiB | ${cold.handler.medianMs.toFixed(2)} ms |`,
)
console.log(
  `| ioredis alone | ${(cold.ioredis.bytes / 1024).toFixed(1)} KiB | ${cold.ioredis.medianMs.toFixed(2)} ms |`,
)
console.log(`\nratio ${cold.ratio.toFixed(3)}× (goal ≤ 1.10×: ${verdict(cold.ratio <= 1.1)})\n`)

const auth = await benchAuthorizer()
console.log('### Authorizer (10 named tokens)\n')
console.log('| case | median |\n|---|---|')
for (const r of auth) console.log(`| ${r.name} | ${us(r.medianUs)} |`)
const valid = auth[0]
console.log(`\nvalid token: ${us(valid.medianUs)} (goal ≤ 2 µs: ${verdict(valid.medianUs <= 2)})`)
