// Cold import: a minimal handler using @cubewalk/middleware, bundled with the README's esbuild recipe (what an adopter deploys),
// imported in a fresh node process, against ioredis alone bundled the same way (goal: ≤ 1.10×).
// Usage: node packages/middleware/bench/cold-import.bench.mjs   (BENCH_RUNS=N, default 15)
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

// The README's "Bundling" command (README.md), as esbuild options: ESM, minified, node24, AWS SDK external and the
// createRequire banner the CommonJS dependencies need.
const esbuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  minify: true,
  external: ['@aws-sdk/*'],
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
}

const runs = Number(process.env.BENCH_RUNS ?? 15)
const fixture = (name) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

// Timed inside the child so process start-up (the same for both) does not dilute the ratio.
const timeImport = (file) =>
  Number(
    execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const t = performance.now(); await import(${JSON.stringify(file)}); process.stdout.write(String(performance.now() - t)); process.exit(0)`,
      ],
      { encoding: 'utf8', env: { ...process.env, REDIS_URL: 'redis://127.0.0.1:1' } },
    ),
  )

export async function benchColdImport() {
  const dir = mkdtempSync(join(tmpdir(), 'cubewalk-cold-import-'))
  try {
    const bundles = {}
    for (const [name, entry] of [
      ['handler', 'minimal-handler.ts'],
      ['ioredis', 'ioredis-alone.ts'],
    ]) {
      const outfile = join(dir, name, 'index.mjs')
      await build({ ...esbuildOptions, entryPoints: [fixture(entry)], outfile })
      bundles[name] = { file: outfile, bytes: statSync(outfile).size, ms: [] }
    }
    for (let i = 0; i < runs; i++) {
      // Alternate which goes first so that disk cache and load drift favour neither.
      const order = i % 2 ? ['ioredis', 'handler'] : ['handler', 'ioredis']
      for (const name of order) bundles[name].ms.push(timeImport(bundles[name].file))
    }
    const handlerMs = median(bundles.handler.ms)
    const ioredisMs = median(bundles.ioredis.ms)
    return {
      runs,
      handler: { bytes: bundles.handler.bytes, medianMs: handlerMs },
      ioredis: { bytes: bundles.ioredis.bytes, medianMs: ioredisMs },
      ratio: handlerMs / ioredisMs,
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await benchColdImport()
  console.log(
    `minimal handler: ${(r.handler.bytes / 1024).toFixed(1)} KiB, import median ${r.handler.medianMs.toFixed(2)} ms`,
  )
  console.log(
    `ioredis alone:   ${(r.ioredis.bytes / 1024).toFixed(1)} KiB, import median ${r.ioredis.medianMs.toFixed(2)} ms`,
  )
  console.log(`ratio ${r.ratio.toFixed(3)}× over ${r.runs} runs each (goal ≤ 1.10×)`)
}
