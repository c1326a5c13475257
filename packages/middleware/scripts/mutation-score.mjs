// Mutation score per file and overall from the committed incremental reports (npm run mutation:score), without
// running anything: Stryker writes a report only for the files of its run, while the incremental file keeps
// every file's last results (a `--mutate` run leaves the other files' results as they were).
// A mutant Stryker ignored in one report (a static mutant in the runtime report) takes its status from the other
// (the static report). Score as Stryker counts it: (killed + timed out) / (those + survived + no coverage).
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const reports = ['stryker-incremental.json', 'stryker-static-incremental.json'].map((name) =>
  fileURLToPath(new URL(`../reports/${name}`, import.meta.url)),
)

const keyOf = (mutant) =>
  `${mutant.location.start.line}:${mutant.location.start.column}-${mutant.location.end.line}:${mutant.location.end.column} ${mutant.mutatorName} ${mutant.replacement ?? ''}`

/** file → mutant key → status */
const statuses = new Map()
for (const path of reports) {
  const { files } = JSON.parse(readFileSync(path, 'utf8'))
  for (const [file, { mutants }] of Object.entries(files)) {
    const byKey = statuses.get(file) ?? new Map()
    statuses.set(file, byKey)
    for (const mutant of mutants) {
      if (byKey.get(keyOf(mutant)) === undefined || mutant.status !== 'Ignored')
        byKey.set(keyOf(mutant), mutant.status)
    }
  }
}

const columns = ['Killed', 'Timeout', 'Survived', 'NoCoverage', 'Ignored', 'RuntimeError']
const count = (list) =>
  Object.fromEntries(columns.map((status) => [status, list.filter((s) => s === status).length]))
const score = (c) => {
  const detected = c.Killed + c.Timeout
  const valid = detected + c.Survived + c.NoCoverage
  return valid === 0 ? '–' : `${((100 * detected) / valid).toFixed(1)} %`
}

console.log(`| file | ${columns.join(' | ')} | score |`)
console.log(`| --- | ${columns.map(() => '---:').join(' | ')} | ---: |`)
const all = []
for (const file of [...statuses.keys()].sort()) {
  const list = [...statuses.get(file).values()]
  all.push(...list)
  const c = count(list)
  console.log(`| \`${file.replace(/^src\//, '')}\` | ${columns.map((s) => c[s]).join(' | ')} | ${score(c)} |`)
}
const total = count(all)
console.log(`| **all files** | ${columns.map((s) => total[s]).join(' | ')} | **${score(total)}** |`)
