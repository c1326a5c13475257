// Reusing the last `cdk synth` when nothing it reads has changed. The key is a hash of everything the
// application says its synthesis reads (its sources, lock file, bundling options), of the CDK app's own
// configuration (cdk.json, cdk.context.json, ~/.cdk.json), of the environment variables CDK and the app read,
// and of the Node version. A stale assembly served as fresh is worse than a slow start, so: no declared inputs,
// no cache; a file that cannot be read changes the key; the key is written only after a synth succeeded, with a
// fingerprint of the assembly it wrote, so one rewritten since by another synthesis (`cdk synth -c ...`) is not
// taken for ours.

import { createHash, type Hash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, relative, resolve } from 'node:path'

/** What a CDK app's synthesis reads besides the CDK app directory's own configuration. */
export interface SynthInputs {
  /** Files and directories (walked; node_modules, cdk.out and dot-directories skipped) the synthesis reads. */
  readonly paths: readonly string[]
  /** Environment variables the app reads at synth time, besides `CDK_*`, `AWS_*` and `NODE_OPTIONS`. */
  readonly env?: readonly string[]
}

/** The file in the cloud assembly directory holding the key of the synthesis that wrote it. */
export const SYNTH_KEY_FILE = 'cubewalk-local.synth-key'

const SKIPPED_DIRECTORIES = new Set(['node_modules', 'cdk.out'])

/** Variables CDK itself reads (CDK_DEFAULT_ACCOUNT, CDK_CONTEXT_JSON...), AWS's region/profile, Node's flags. */
function readsAtSynth(name: string): boolean {
  return name.startsWith('CDK_') || name.startsWith('AWS_') || name === 'NODE_OPTIONS'
}

function hashPath(hash: Hash, path: string, root: string): void {
  let stats: ReturnType<typeof statSync>
  try {
    stats = statSync(path)
  } catch {
    hash.update(`missing ${path}\n`)
    return
  }
  if (stats.isDirectory()) {
    const entries = readdirSync(path).sort()
    for (const entry of entries) {
      if (SKIPPED_DIRECTORIES.has(entry) || entry.startsWith('.')) continue
      hashPath(hash, join(path, entry), root)
    }
    return
  }
  if (!stats.isFile()) return
  hash.update(`file ${relative(root, path)} ${stats.size}\n`)
  hash.update(readFileSync(path))
  hash.update('\n')
}

/**
 * The key of a synthesis of the CDK app in `appDir` with these inputs, in this environment and Node. Two starts
 * get the same key only when every declared input file, the app's CDK configuration, the variables CDK reads
 * and the Node version are the same.
 */
export function synthCacheKey(
  appDir: string,
  inputs: SynthInputs,
  env: NodeJS.ProcessEnv = process.env,
  nodeVersion: string = process.version,
): string {
  const hash = createHash('sha256')
  const root = resolve(appDir)
  hash.update(`node ${nodeVersion}\napp ${root}\n`)
  const declared = new Set(inputs.env ?? [])
  for (const name of Object.keys(env).sort()) {
    if (readsAtSynth(name) || declared.has(name)) hash.update(`env ${name}=${env[name] ?? ''}\n`)
  }
  for (const name of [...declared].sort()) {
    if (!(name in env)) hash.update(`env ${name} unset\n`)
  }
  for (const file of ['cdk.json', 'cdk.context.json']) hashPath(hash, join(root, file), root)
  hashPath(hash, join(homedir(), '.cdk.json'), root)
  for (const path of [...inputs.paths].map((p) => resolve(root, p)).sort()) hashPath(hash, path, root)
  return hash.digest('hex')
}

/**
 * The assembly's own description: its manifests and templates (every .json file, nested assemblies included).
 * Asset directories are skipped: their names are the hashes of their contents, which the asset manifests list.
 */
function assemblyFingerprint(assemblyDir: string): string {
  const hash = createHash('sha256')
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : 1,
    )) {
      const path = join(dir, entry.name)
      if (entry.isDirectory() && !entry.name.startsWith('asset.')) walk(path)
      else if (entry.isFile() && entry.name.endsWith('.json')) {
        hash.update(`${relative(assemblyDir, path)}\n`)
        hash.update(readFileSync(path))
      }
    }
  }
  walk(assemblyDir)
  return hash.digest('hex')
}

/** Whether `assemblyDir` holds the complete assembly a synthesis with this key wrote, unchanged since. */
export function isAssemblyFresh(assemblyDir: string, key: string): boolean {
  const keyFile = join(assemblyDir, SYNTH_KEY_FILE)
  if (!existsSync(keyFile) || !existsSync(join(assemblyDir, 'manifest.json'))) return false
  return readFileSync(keyFile, 'utf8').trim() === `${key} ${assemblyFingerprint(assemblyDir)}`
}

/** Before a synthesis: an interrupted or failed one must not leave the previous key behind. */
export function forgetSynthKey(assemblyDir: string): void {
  rmSync(join(assemblyDir, SYNTH_KEY_FILE), { force: true })
}

/** After a successful synthesis: the key of the inputs it was started with, and what it wrote. */
export function recordSynthKey(assemblyDir: string, key: string): void {
  writeFileSync(join(assemblyDir, SYNTH_KEY_FILE), `${key} ${assemblyFingerprint(assemblyDir)}\n`)
}
