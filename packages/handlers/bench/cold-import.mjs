// Cold import times of the two Lambda bundles against their heaviest dependency alone.
//
//   npm run bench -w @cubewalk/handlers          (bundles first, then measures)
//   node bench/cold-import.mjs --runs 31         (more runs; default 21, at least 10)
//
// Every sample is a fresh `node` process (nothing cached in memory), and the targets are interleaved round-robin
// so machine load hits them alike. Measured inside the child: the time `await import(target)` takes, which is
// the part of a Lambda cold start (init) that the bundle controls. Reported: medians, and the ratios the issue
// sets goals for: authorizer ≤ 1.10 × @aws-sdk/client-ssm alone, blocks ≤ 1.10 × ioredis alone.
//
// The authorizer bundle imports @aws-sdk/client-ssm from node_modules, as Lambda's runtime provides it; the
// baselines are imported from node_modules too. Importing a handler also starts its cold-start prefetch (SSM
// fetch, Redis connect); they are pointed at closed local ports so nothing leaves the machine, and they run in the
// background, after the import resolved.
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { handlersRoot } from '../bundling.mjs'
import { sampleImport } from './import-sample.mjs'

const argRuns = process.argv.indexOf('--runs')
const runs = Math.max(10, argRuns > 0 ? Number(process.argv[argRuns + 1]) : 21)

const bundled = spawnSync(process.execPath, [resolve(handlersRoot, 'scripts/bundle.mjs')], {
  stdio: 'inherit',
})
if (bundled.status !== 0) process.exit(bundled.status ?? 1)

const bundle = (name) => pathToFileURL(resolve(handlersRoot, 'dist-bundle', name, 'index.mjs')).href

// `+ source maps` = NODE_OPTIONS=--enable-source-maps, which the stack sets for functions bundled with maps:
// measured for the baselines too, to separate the flag's own cost from that of reading our .map files.
const maps = '--enable-source-maps'
const targets = [
  { name: '@aws-sdk/client-ssm alone', specifier: '@aws-sdk/client-ssm' },
  { name: 'authorizer bundle', specifier: bundle('authorizer') },
  { name: '@aws-sdk/client-ssm + source maps', specifier: '@aws-sdk/client-ssm', nodeOptions: maps },
  { name: 'authorizer bundle + source maps', specifier: bundle('authorizer'), nodeOptions: maps },
  { name: 'ioredis alone', specifier: 'ioredis' },
  { name: 'blocks bundle', specifier: bundle('blocks') },
  { name: 'ioredis alone + source maps', specifier: 'ioredis', nodeOptions: maps },
  { name: 'blocks bundle + source maps', specifier: bundle('blocks'), nodeOptions: maps },
]

const samples = new Map(targets.map((t) => [t.name, []]))
for (let run = 0; run < runs; run++) {
  for (const target of targets)
    samples.get(target.name).push(await sampleImport(target.specifier, target.nodeOptions))
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
const stats = Object.fromEntries(
  targets.map(({ name }) => {
    const list = samples.get(name)
    return [
      name,
      {
        importMs: median(list.map((s) => s.importMs)),
        cpuMs: median(list.map((s) => s.cpuMs)),
        processMs: median(list.map((s) => s.processMs)),
      },
    ]
  }),
)

console.log(`\ncold import, fresh node ${process.version} process per sample, ${runs} samples each, medians:`)
console.log(
  `${'target'.padEnd(36)} ${'import ms'.padStart(10)} ${'cpu ms'.padStart(8)} ${'process ms'.padStart(11)}`,
)
for (const [name, s] of Object.entries(stats)) {
  console.log(
    `${name.padEnd(36)} ${s.importMs.toFixed(1).padStart(10)} ${s.cpuMs.toFixed(1).padStart(8)} ${s.processMs.toFixed(1).padStart(11)}`,
  )
}
const ratio = (a, b) => stats[a].importMs / stats[b].importMs
const cpuRatio = (a, b) => stats[a].cpuMs / stats[b].cpuMs
const pairs = [
  ['authorizer / SSM client alone', 'authorizer bundle', '@aws-sdk/client-ssm alone'],
  ['blocks / ioredis alone', 'blocks bundle', 'ioredis alone'],
  [
    'authorizer / SSM client (source maps)',
    'authorizer bundle + source maps',
    '@aws-sdk/client-ssm + source maps',
  ],
  ['blocks / ioredis alone (source maps)', 'blocks bundle + source maps', 'ioredis alone + source maps'],
]
console.log(
  `\nratios of the medians (goals: import ≤ 1.10)\n${''.padEnd(38)} ${'import'.padStart(7)} ${'cpu'.padStart(6)}`,
)
for (const [label, a, b] of pairs) {
  console.log(
    `${label.padEnd(38)} ${ratio(a, b).toFixed(2).padStart(7)} ${cpuRatio(a, b).toFixed(2).padStart(6)}`,
  )
}
