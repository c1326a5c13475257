// Does Powertools Metrics earn its cold-start cost in the authorizer bundle? (issue 15, docs/benchmarks.md)
//
//   node bench/metrics-cold-import.mjs             (default 11 rounds, at least 5)
//   node bench/metrics-cold-import.mjs --runs 21
//
// Bundles the authorizer as deployed (src/authorizer.ts, which carries the built-in EMF writer of
// @cubewalk/middleware/metrics) and the same authorizer plus a module-scope Powertools `Metrics`
// (entries/authorizer-powertools-metrics.ts), and, to see their own share, Powertools Metrics alone, the built-in
// writer alone and an empty bundle, all with the stack's esbuild options, then times `await import()`
// of each in fresh processes, interleaved round by round. Reported: bytes, medians, the range and the per-round
// ratio (Powertools / as deployed), so machine load drifts hit both sides of each ratio alike.
import { mkdir, rm, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { build } from 'esbuild'
import { entryPoints, esbuildOptions, handlersRoot } from '../bundling.mjs'
import { sampleImport } from './import-sample.mjs'

const argRuns = process.argv.indexOf('--runs')
const runs = Math.max(5, argRuns > 0 ? Number(process.argv[argRuns + 1]) : 11)

const outRoot = resolve(handlersRoot, 'dist-bench/metrics')
await rm(outRoot, { recursive: true, force: true })
const variants = [
  { name: 'authorizer as deployed', entry: entryPoints.authorizer },
  {
    name: 'authorizer + Powertools Metrics',
    entry: resolve(handlersRoot, 'bench/entries/authorizer-powertools-metrics.ts'),
  },
  {
    name: 'Powertools Metrics alone',
    entry: resolve(handlersRoot, 'bench/entries/powertools-metrics-alone.ts'),
  },
  { name: 'built-in emfMetrics alone', entry: resolve(handlersRoot, 'bench/entries/emf-metrics-alone.ts') },
  { name: 'empty bundle', entry: resolve(handlersRoot, 'bench/entries/empty.ts') },
]
for (const [i, variant] of variants.entries()) {
  const outfile = resolve(outRoot, String(i), 'index.mjs')
  await mkdir(resolve(outRoot, String(i)), { recursive: true })
  await build({ ...esbuildOptions, entryPoints: [variant.entry], outfile })
  variant.bytes = (await stat(outfile)).size
  variant.url = pathToFileURL(outfile).href
  variant.samples = []
}

const ratios = { importMs: [], cpuMs: [] }
for (let run = 0; run < runs; run++) {
  // Alternate the order, so no variant always gets the warmer disk cache.
  const order = run % 2 === 0 ? variants : [...variants].reverse()
  for (const variant of order) variant.samples.push(await sampleImport(variant.url))
  const [base, powertools] = variants
  for (const key of Object.keys(ratios))
    ratios[key].push(powertools.samples[run][key] / base.samples[run][key])
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const range = (values) => `${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)}`

console.log(`cold import, fresh node ${process.version} process per sample, ${runs} interleaved rounds:`)
console.log(
  `${'variant'.padEnd(34)} ${'bytes'.padStart(8)} ${'import ms'.padStart(10)} ${'cpu ms'.padStart(8)}`,
)
for (const v of variants) {
  const importMs = median(v.samples.map((s) => s.importMs))
  const cpuMs = median(v.samples.map((s) => s.cpuMs))
  console.log(
    `${v.name.padEnd(34)} ${String(v.bytes).padStart(8)} ${importMs.toFixed(1).padStart(10)} ${cpuMs.toFixed(1).padStart(8)}`,
  )
}
console.log(
  `Powertools / as deployed, per round: import median ${median(ratios.importMs).toFixed(2)} (range ${range(ratios.importMs)}), cpu median ${median(ratios.cpuMs).toFixed(2)} (range ${range(ratios.cpuMs)}); bytes ${(variants[1].bytes / variants[0].bytes).toFixed(2)}×`,
)
