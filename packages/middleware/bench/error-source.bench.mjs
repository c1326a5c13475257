// `node bench/error-source.bench.mjs` (after `npm run build`; BENCH_RUNS=N, default 21): what the HTTP error class
// costs a consumer's Lambda. Four consumers, middy + jsonResponse throwing a 503, differ only in where the error
// comes from: the package's own ServiceUnavailableError shape, @middy/util's createError, http-errors, or none
// (the baseline). Each is bundled with the README's recipe (esbuild, ESM, minified, createRequire banner, no
// node:http shim, as an adopter builds it) and imported in a fresh node process, round-robin, starting at a
// different consumer each round. Prints bytes, medians, min–max of the import time and median CPU ms.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const runs = Number(process.env.BENCH_RUNS ?? 21)
const middlewareDir = fileURLToPath(new URL('..', import.meta.url))

const handler = (errorSource, throwIt) => `import { jsonResponse } from '@cubewalk/middleware/json-response'
import middy from '@middy/core'
${errorSource}
export const handler = middy().use(jsonResponse()).handler(async () => { ${throwIt} })`

// The class is the shape redis-pool/errors.ts gives ServiceUnavailableError, inlined so ioredis stays out.
const consumers = {
  'no error class (baseline)': handler('', "throw new Error('down')"),
  'own class, http-errors shape': handler(
    `class ServiceUnavailableError extends Error {
  status = 503; statusCode = 503; expose = false
  constructor(cause) { super('Service Unavailable', { cause }); this.name = 'ServiceUnavailableError' }
}`,
    'throw new ServiceUnavailableError()',
  ),
  '@middy/util createError': handler("import { createError } from '@middy/util'", 'throw createError(503)'),
  'http-errors': handler("import createError from 'http-errors'", 'throw createError(503)'),
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

const sample = (file) =>
  JSON.parse(
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const cpu = process.cpuUsage(); const t = performance.now(); await import(${JSON.stringify(file)})
const ms = performance.now() - t; const used = process.cpuUsage(cpu)
process.stdout.write(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000 })); process.exit(0)`,
      ],
      { encoding: 'utf8' },
    ),
  )

const dir = mkdtempSync(join(tmpdir(), 'cubewalk-error-source-'))
try {
  symlinkSync(join(middlewareDir, '..', '..', 'node_modules'), join(dir, 'node_modules'))
  const targets = []
  for (const [index, [name, source]] of Object.entries(consumers).entries()) {
    const entry = join(dir, `entry-${index}.mjs`)
    const outfile = join(dir, `bundle-${index}.mjs`)
    writeFileSync(entry, source)
    await build({
      entryPoints: [entry],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'esm',
      minify: true,
      external: ['@aws-sdk/*'],
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      metafile: true,
      logLevel: 'silent',
    }).then((result) => {
      targets.push({ name, outfile, bytes: Object.values(result.metafile.outputs)[0].bytes, ms: [], cpu: [] })
    })
  }
  for (let run = 0; run < runs; run++) {
    for (let i = 0; i < targets.length; i++) {
      const target = targets[(run + i) % targets.length]
      const { ms, cpuMs } = sample(target.outfile)
      target.ms.push(ms)
      target.cpu.push(cpuMs)
    }
  }
  console.log(`node ${process.version}, ${runs} fresh processes per consumer\n`)
  console.log('| consumer | bundle bytes | import median | min–max | CPU median |')
  console.log('| --- | ---: | ---: | ---: | ---: |')
  for (const t of targets) {
    console.log(
      `| ${t.name} | ${t.bytes} | ${median(t.ms).toFixed(1)} ms | ${Math.min(...t.ms).toFixed(1)}–${Math.max(...t.ms).toFixed(1)} ms | ${median(t.cpu).toFixed(1)} ms |`,
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
