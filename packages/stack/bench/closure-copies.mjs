// The smallest reproduction of what module-copies.mjs measures, in plain JavaScript with no dependency and no
// I/O: N module instances of one tiny module, each with a command class whose objects hold a closure created per
// command (as ioredis's Command holds its `reject` wrapper), 50 calls in flight round-robin, ~20 µs of work per
// answer, and what survives young-generation GCs for each N (V8's --trace-gc-nvp). `--plain` stores the promise's
// own `reject` instead of a per-command closure. No cdk.out or Redis needed. The promotion is a warm-up phase: it
// stops at the first full GC, and with `--warmup 10` none is left to measure (docs/benchmarks.md, "Warm-up").
//
// Usage (from packages/stack): node bench/closure-copies.mjs [--copies 1,4,8] [--plain] [--duration 4]
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { measureTraced, runMeasuredWindow } from './gc-trace.mjs'

const { values } = parseArgs({
  options: {
    copies: { type: 'string', default: '1,4,8' },
    plain: { type: 'boolean', default: false },
    duration: { type: 'string', default: '4' },
    warmup: { type: 'string', default: '2' },
    // Internal: the measuring child process.
    child: { type: 'string' },
  },
})
const IN_FLIGHT = 50
const WORK_MS = 0.02

/** One module instance: a command class and a fake connection answering each turn's commands together. */
const moduleSource = (instance, plain) => `
export function connect() {
  class Command {
    constructor(key) {
      this.key = key
      this.promise = new Promise((resolve, reject) => {
        this.resolve = resolve
        this.reject = ${plain ? 'reject' : '(error) => { this.failed = true; reject(error) }'}
      })
    }
  }
  let pending = []
  const answer = () => {
    const batch = pending
    pending = []
    for (const command of batch) command.resolve(new Array(128).fill(command.key))
  }
  return (key) => {
    const command = new Command(key)
    if (pending.push(command) === 1) setImmediate(answer)
    return command.promise
  }
} // instance ${instance}`

if (values.child) await child(Number(values.child))
else {
  const results = []
  for (const copies of values.copies.split(',').map(Number)) {
    const args = [fileURLToPath(import.meta.url), '--child', String(copies)]
    args.push('--duration', values.duration, '--warmup', values.warmup, ...(values.plain ? ['--plain'] : []))
    const result = { copies, ...(await measureTraced(args)) }
    results.push(result)
    console.error(
      `${copies} module instance(s): ${result.promotedKbPerScavenge} KB promoted per scavenge (${result.promotedMbInAll} MB in all; ${result.survivedKbPerScavenge} KB survived per scavenge), ${result.markCompacts} full GCs`,
    )
  }
  console.log(JSON.stringify({ node: process.version, plain: values.plain, results }, null, 2))
}

async function child(copies) {
  const send = []
  for (let i = 0; i < copies; i++) {
    const url = `data:text/javascript,${encodeURIComponent(moduleSource(i, values.plain))}`
    send.push((await import(url)).connect())
  }
  let next = 0
  await runMeasuredWindow(
    async (n) => {
      const connection = send[next]
      next = (next + 1) % copies
      await connection(`key-${n}`)
      // Some work per answer, as a handler does: without it the calls never overlap a young GC.
      const until = performance.now() + WORK_MS
      while (performance.now() < until);
    },
    { inFlight: IN_FLIGHT, warmupSeconds: Number(values.warmup), seconds: Number(values.duration) },
  )
  process.exit(0)
}
