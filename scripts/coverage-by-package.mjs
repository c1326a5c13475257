// Prints the coverage `npm test` measured, one line per package: what the thresholds in vitest.config.ts are
// held against, and the figures README.md quotes. Reads vitest's json-summary report.
// Use: node scripts/coverage-by-package.mjs [coverage/coverage-summary.json]
import { readFileSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'

const METRICS = ['lines', 'branches', 'functions', 'statements']

/** Sums a json-summary's files by package (`packages/<name>` or `tools/<name>`), relative to `root`. */
export function byPackage(summary, root) {
  const packages = new Map()
  for (const [file, figures] of Object.entries(summary)) {
    if (file === 'total') continue
    const name = /^((?:packages|tools)\/[^/]+)\//.exec(relative(root, file))?.[1]
    if (!name) continue
    const sums = packages.get(name) ?? Object.fromEntries(METRICS.map((m) => [m, { covered: 0, total: 0 }]))
    for (const metric of METRICS) {
      sums[metric].covered += figures[metric].covered
      sums[metric].total += figures[metric].total
    }
    packages.set(name, sums)
  }
  return new Map([...packages].sort(([a], [b]) => a.localeCompare(b)))
}

const percent = ({ covered, total }) => (total === 0 ? '-' : `${((100 * covered) / total).toFixed(2)} %`)

export function formatTable(packages) {
  const rows = [['package', ...METRICS]]
  for (const [name, sums] of packages) rows.push([name, ...METRICS.map((m) => percent(sums[m]))])
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)))
  return rows
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = resolve(process.argv[2] ?? 'coverage/coverage-summary.json')
  let summary
  try {
    summary = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    console.error(`no coverage summary at ${file} (npm test writes it): ${error.message}`)
    process.exit(1)
  }
  console.log(formatTable(byPackage(summary, process.cwd())))
}
