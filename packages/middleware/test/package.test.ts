// The published tarball: built code, types, README, CHANGELOG and LICENSE, nothing else, and every export resolvable.
// tarball.test.ts installs the same tarball into a fresh project and runs it.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { packMiddleware, withPackLock } from './support/pack-middleware.js'

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, string | Record<string, string>>
  peerDependencies: Record<string, string>
  peerDependenciesMeta: Record<string, { optional?: boolean }>
  dependencies: Record<string, string>
}

let files: string[] = []
const packDir = mkdtempSync(join(tmpdir(), 'cubewalk-pack-'))

beforeAll(() => {
  files = packMiddleware(packDir).files
}, 120_000)
afterAll(() => rmSync(packDir, { recursive: true, force: true }))

describe('@cubewalk/middleware tarball', () => {
  it('holds only built code, types, README, CHANGELOG, LICENSE and package.json', () => {
    const unexpected = files.filter(
      (path) =>
        !['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'].includes(path) &&
        !/^dist\/.+\.(js|d\.ts)$/.test(path),
    )
    expect(unexpected).toEqual([])
    expect(files).toEqual(
      expect.arrayContaining(['README.md', 'CHANGELOG.md', 'LICENSE', 'dist/index.js', 'dist/index.d.ts']),
    )
    expect(files.some((path) => path.includes('.test.'))).toBe(false)
  })

  it('ships a .d.ts beside every .js', () => {
    const js = files.filter((path) => path.endsWith('.js'))
    expect(js.length).toBeGreaterThan(0)
    for (const path of js) expect(files).toContain(path.replace(/\.js$/, '.d.ts'))
  })

  it('points every export condition at a file in the tarball', () => {
    const targets = Object.entries(manifest.exports).flatMap(([subpath, target]) =>
      subpath === './package.json' ? [] : typeof target === 'string' ? [target] : Object.values(target),
    )
    expect(targets.length).toBeGreaterThan(0)
    for (const target of targets) expect(files).toContain(target.replace(/^\.\//, ''))
  })

  it('has one entry point per middleware beside the root, and ioredis as an optional peer', () => {
    expect(Object.keys(manifest.exports).sort()).toEqual([
      '.',
      './durable-writes',
      './elasticache-iam',
      './json-response',
      './metrics',
      './package.json',
      './redis-pool',
      './token-authorizer',
    ])
    expect(manifest.peerDependenciesMeta.ioredis).toEqual({ optional: true })
    expect(manifest.peerDependenciesMeta['@middy/core']).toBeUndefined()
  })

  it('keeps middy and ioredis as peers, not bundled dependencies', () => {
    expect(Object.keys(manifest.peerDependencies)).toEqual(expect.arrayContaining(['@middy/core', 'ioredis']))
    expect(Object.keys(manifest.dependencies)).not.toContain('ioredis')
    expect(Object.keys(manifest.dependencies)).not.toContain('@middy/core')
  })
})

describe('npm run release:check (scripts/release-check.mjs)', () => {
  it('passes: npm publish --dry-run of this package, with no registry reachable', () => {
    const repoRoot = new URL('../../..', import.meta.url)
    // Under the pack lock: the check builds the package, which deletes dist/ first.
    const run = withPackLock(() =>
      spawnSync('node', ['scripts/release-check.mjs'], {
        cwd: repoRoot,
        encoding: 'utf8',
        // An unreachable registry, no retries: the dry run must not need one.
        env: { ...process.env, npm_config_registry: 'http://127.0.0.1:9/', npm_config_fetch_retries: '0' },
        timeout: 150_000,
      }),
    )
    expect(run.stderr).not.toMatch(/release check:/)
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/^@cubewalk\/middleware@\d+\.\d+\.\d+: \d+ files/m)
    expect(run.stdout).toContain('release check: ok')
  }, 180_000)
})
