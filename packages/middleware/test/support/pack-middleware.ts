// Builds @cubewalk/middleware and packs it exactly as `npm publish` would, for the tests of the tarball.
// Test files run in parallel and the build starts by deleting dist/, so two of them building at once could pack a
// half-written dist/: a lock directory (mkdir is atomic) lets one build and pack at a time.
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const middlewareDir = fileURLToPath(new URL('../..', import.meta.url))

export interface PackedTarball {
  /** Absolute path of the `.tgz`. */
  file: string
  /** Paths inside the package, sorted, as npm lists them. */
  files: string[]
  name: string
  version: string
}

const lockDir = join(
  tmpdir(),
  `cubewalk-middleware-pack-${createHash('sha256').update(middlewareDir).digest('hex').slice(0, 12)}.lock`,
)
const staleLockMs = 5 * 60_000

/** Runs `work` while no other test file builds or packs the package (the build deletes dist/ first). */
export function withPackLock<T>(work: () => T): T {
  const giveUpAt = Date.now() + staleLockMs
  for (;;) {
    try {
      mkdirSync(lockDir)
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      // A lock older than any build is left over from a killed run.
      const lockedAt = statSync(lockDir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()
      if (Date.now() - lockedAt > staleLockMs) rmSync(lockDir, { recursive: true, force: true })
      if (Date.now() > giveUpAt) throw new Error(`could not take ${lockDir} within ${staleLockMs} ms`)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100)
    }
  }
  try {
    return work()
  } finally {
    rmSync(lockDir, { recursive: true, force: true })
  }
}

/** `npm run build` then `npm pack` (prepack skipped: it would only build again) into `destination`. */
export function packMiddleware(destination: string): PackedTarball {
  return withPackLock(() => {
    execFileSync('npm', ['run', 'build'], { cwd: middlewareDir, stdio: 'pipe' })
    const out = execFileSync(
      'npm',
      ['pack', '--json', '--ignore-scripts', '--pack-destination', destination, '--loglevel=error'],
      { cwd: middlewareDir, encoding: 'utf8' },
    )
    const [packed] = JSON.parse(out) as Array<{
      filename: string
      name: string
      version: string
      files: Array<{ path: string }>
    }>
    if (!packed) throw new Error(`npm pack printed no package: ${out}`)
    return {
      file: join(destination, packed.filename),
      files: packed.files.map((file) => file.path).sort(),
      name: packed.name,
      version: packed.version,
    }
  })
}
