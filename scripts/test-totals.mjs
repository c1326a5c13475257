// Prints vitest's JSON report as the one plain line CI reads: "N passed, N failed".
import { readFileSync } from 'node:fs'

const file = process.argv[2]
let report
try {
  report = JSON.parse(readFileSync(file, 'utf8'))
} catch (error) {
  console.log('0 passed, 1 failed')
  console.error(`no vitest JSON report at ${file}: ${error.message}`)
  process.exit(1)
}
const passed = report.numPassedTests ?? 0
// A file that fails to load has no failed test of its own; count it once so it cannot hide.
const brokenFiles = (report.testResults ?? []).filter(
  (file) => file.status === 'failed' && !file.assertionResults?.some((test) => test.status === 'failed'),
).length
const failed = (report.numFailedTests ?? 0) + brokenFiles
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0)
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`)
if (failed > 0 || passed === 0) process.exit(1)
