// scripts/coverage-by-package.mjs: the per-package coverage figures README.md quotes, from vitest's
// json-summary report, as one line per package.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const script = fileURLToPath(new URL('./coverage-by-package.mjs', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'coverage-by-package-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const figures = (covered: number, total: number) =>
  Object.fromEntries(
    ['lines', 'branches', 'functions', 'statements'].map((m) => [m, { covered, total, skipped: 0, pct: 0 }]),
  )
const summary = {
  total: figures(0, 0),
  [join(dir, 'packages/local/src/runner.ts')]: figures(9, 10),
  [join(dir, 'packages/local/bin/cli.mjs')]: figures(0, 10),
  [join(dir, 'packages/middleware/src/index.ts')]: figures(0, 0),
  [join(dir, 'tools/redis-harness/src/index.ts')]: figures(2, 3),
  [join(dir, 'elsewhere/file.ts')]: figures(1, 1),
}

describe('coverage-by-package', () => {
  it('sums the files of each package, sorted by name; a package with nothing to measure shows -', () => {
    const file = join(dir, 'coverage-summary.json')
    writeFileSync(file, JSON.stringify(summary))
    const run = spawnSync(process.execPath, [script, file], { cwd: dir, encoding: 'utf8' })
    expect(run.status).toBe(0)
    expect(run.stdout.split('\n')).toEqual([
      'package              lines    branches  functions  statements',
      'packages/local       45.00 %  45.00 %   45.00 %    45.00 %',
      'packages/middleware  -        -         -          -',
      'tools/redis-harness  66.67 %  66.67 %   66.67 %    66.67 %',
      '',
    ])
  })

  it('without a report: says where it looked and that npm test writes it, exit 1', () => {
    const run = spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' })
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(
      `no coverage summary at ${join(dir, 'coverage/coverage-summary.json')} (npm test writes it)`,
    )
  })
})
