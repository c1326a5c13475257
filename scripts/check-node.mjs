// The Node version gate, in one place. Run as a script it prints ONE line of advice and exits 1 on a Node that
// cannot run cubewalk; `npm test`, `npm run synth`, the stack's `cdk` scripts and `preinstall` run it first, and
// `. scripts/use-node.sh` asks it whether to fetch Node 24. Plain JavaScript without modern syntax or APIs, so
// that an old Node gets as far as printing the advice.
// (`npm ci`/`npm install` on an old Node stop earlier: the root .npmrc sets engine-strict, so npm refuses at once
// with its EBADENGINE error naming the same range, the root package.json `engines.node`.)
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * The versions that can run cubewalk, as npm writes it in the root package.json `engines.node` (a test checks
 * that they agree). The floor is the dependency tree's, not only Node's: lerna 10 and its prompts need
 * ^22.22.2 || ^24.15.0 || >=26, vitest 5 needs >= 22.12, and the tools need Node's type stripping and
 * module.registerHooks (22.18). Odd majors (23, 25) are outside lerna's range.
 */
export const supportedNodeRange = '^22.22.2 || ^24.15.0 || >=26'

// The same range as data: a major with its lowest supported version, and every major from `from` on.
const supportedMajors = [
  { major: 22, minor: 22, patch: 2 },
  { major: 24, minor: 15, patch: 0 },
]
const openEndedFromMajor = 26

/**
 * Whether `version` (e.g. `process.versions.node`, `20.20.2`, or `v24.15.0`) is in {@link supportedNodeRange}.
 * Throws on a string that is not a version, so a typo cannot pass as supported.
 */
export function isSupportedNode(version) {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(String(version))
  if (!match) throw new TypeError(`not a Node version: ${JSON.stringify(version)}`)
  const [major, minor, patch] = match.slice(1, 4).map(Number)
  if (major >= openEndedFromMajor) return true
  const floor = supportedMajors.find((entry) => entry.major === major)
  if (!floor) return false
  if (minor !== floor.minor) return minor > floor.minor
  return patch >= floor.patch
}

/** The one line printed for an unsupported Node: what is needed, what this is, and what to do. */
export function nodeAdvice(version) {
  return (
    `cubewalk needs Node ${supportedNodeRange} (24 recommended, see .nvmrc); this is Node ${String(version).replace(/^v/, '')}. ` +
    'Run  . scripts/use-node.sh  in the repository root (on Linux x64 it fetches Node 24 from the npm registry ' +
    'into ~/.cache/cubewalk and puts it first on PATH), or install Node 24, then run the command again.'
  )
}

function runAsScript() {
  if (!process.argv[1]) return false
  try {
    return realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
  } catch {
    return false
  }
}

if (runAsScript() && !isSupportedNode(process.versions.node)) {
  console.error(nodeAdvice(process.versions.node))
  process.exit(1)
}
