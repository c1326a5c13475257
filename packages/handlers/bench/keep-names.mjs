// What esbuild's `keepNames` costs the two Lambda bundles: size and cold import, with and without it.
//
//   node bench/keep-names.mjs              (from packages/handlers; 21 interleaved runs)
//   node bench/keep-names.mjs --runs 31    (at least 5)
//
// Both variants are built here from the shared options (../bundling.mjs), one with `keepNames: true` added, into
// dist-bundle/keep-names-{off,on}/ (inside this package, so the authorizer's external AWS SDK resolves from
// node_modules as Lambda's runtime provides it). Every sample is a fresh `node` process with
// --enable-source-maps, as the stack deploys the functions; the four targets are interleaved round-robin so
// machine load hits them alike. Reported per target: median, quartiles and min–max of the time
// `await import(bundle)` takes and of the CPU it uses. Handlers' cold-start prefetch (SSM fetch, Redis connect)
// is pointed at a closed local port.
import { mkdir, readFile, rm, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'
import { entryPoints, esbuildOptions, handlersRoot } from '../bundling.mjs'
import { sampleImport } from './import-sample.mjs'

const argRuns = process.argv.indexOf('--runs')
const runs = Math.max(5, argRuns > 0 ? Number(process.argv[argRuns + 1]) : 21)

const variants = { off: esbuildOptions, on: { ...esbuildOptions, keepNames: true } }
const outfileOf = (variant, name) =>
  resolve(handlersRoot, 'dist-bundle', `keep-names-${variant}`, name, 'index.mjs')

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`
console.log(`${'bundle'.padEnd(24)} ${'bytes'.padStart(9)} ${'gzip'.padStart(9)}`)
for (const [variant, options] of Object.entries(variants)) {
  await rm(resolve(handlersRoot, 'dist-bundle', `keep-names-${variant}`), { recursive: true, force: true })
  for (const [name, entry] of Object.entries(entryPoints)) {
    const outfile = outfileOf(variant, name)
    await mkdir(resolve(outfile, '..'), { recursive: true })
    await build({ ...options, entryPoints: [entry], outfile })
    const bytes = (await stat(outfile)).size
    const gzip = gzipSync(await readFile(outfile)).length
    console.log(
      `${`${name}, keepNames ${variant}`.padEnd(24)} ${String(bytes).padStart(9)} ${String(gzip).padStart(9)}  (${kib(bytes)})`,
    )
  }
}

const targets = ['blocks', 'authorizer'].flatMap((name) =>
  ['off', 'on'].map((variant) => ({
    label: `${name}, keepNames ${variant}`,
    specifier: pathToFileURL(outfileOf(variant, name)).href,
  })),
)

const samples = new Map(targets.map((t) => [t.label, []]))
for (let run = 0; run < runs; run++) {
  for (const target of targets)
    samples.get(target.label).push(await sampleImport(target.specifier, '--enable-source-maps'))
}

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b)
  const at = (sorted.length - 1) * q
  const low = Math.floor(at)
  return sorted[low] + (sorted[Math.ceil(at)] - sorted[low]) * (at - low)
}
const range = (low, high) => `${low.toFixed(1)}–${high.toFixed(1)}`
const spread = (values) =>
  [
    quantile(values, 0.5).toFixed(1).padStart(7),
    range(quantile(values, 0.25), quantile(values, 0.75)).padStart(12),
    range(Math.min(...values), Math.max(...values)).padStart(12),
  ].join(' ')

console.log(
  `\ncold import with --enable-source-maps, fresh node ${process.version} process per sample, ${runs} interleaved samples each (ms)`,
)
const header = ['median', 'p25–p75', 'min–max'].map((h, i) => h.padStart(i === 0 ? 7 : 12)).join(' ')
console.log(`${''.padEnd(26)} ${'import'.padEnd(33)}   cpu`)
console.log(`${'target'.padEnd(26)} ${header}   ${header}`)
for (const { label } of targets) {
  const list = samples.get(label)
  console.log(
    `${label.padEnd(26)} ${spread(list.map((s) => s.importMs))}   ${spread(list.map((s) => s.cpuMs))}`,
  )
}
const medianOf = (label, key) =>
  quantile(
    samples.get(label).map((s) => s[key]),
    0.5,
  )
console.log('\nratio of the medians, keepNames on / off')
for (const name of ['blocks', 'authorizer']) {
  const on = `${name}, keepNames on`
  const off = `${name}, keepNames off`
  console.log(
    `${name.padEnd(24)} import ${(medianOf(on, 'importMs') / medianOf(off, 'importMs')).toFixed(3)}  cpu ${(medianOf(on, 'cpuMs') / medianOf(off, 'cpuMs')).toFixed(3)}`,
  )
}
