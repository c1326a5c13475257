// The rules of the release check (scripts/release-check.mjs, `npm run release:check` in CI): each fails on the
// mistake it exists to catch. packages/middleware/test/package.test.ts runs the whole check on the real package.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { pendingChangesets, releaseProblems } from './release-check.mjs'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const manifest = JSON.parse(readFileSync(join(repoRoot, 'packages/middleware/package.json'), 'utf8'))
const files = [
  'CHANGELOG.md',
  'LICENSE',
  'README.md',
  'package.json',
  ...Object.keys(manifest.exports)
    .filter((subpath) => subpath !== './package.json')
    .flatMap((subpath) => {
      const name = subpath === '.' ? 'index' : subpath.slice(2)
      return [`dist/${name}.js`, `dist/${name}.d.ts`]
    }),
]
const good = {
  manifest,
  files,
  changelog: '# @cubewalk/middleware\n\nReleases, newest first.\n',
  changesets: [['@cubewalk/middleware']],
  directory: 'packages/middleware',
}

describe('release check rules', () => {
  it('accepts the real manifest with a complete file list', () => {
    expect(releaseProblems(good)).toEqual([])
  })

  it.each([
    [
      'a test file in the tarball',
      { files: [...files, 'dist/pool.test.js', 'dist/pool.test.d.ts'] },
      /unexpected files.*pool\.test/,
    ],
    [
      'source in the tarball',
      { files: [...files, 'src/index.ts'] },
      /unexpected files in the tarball: src\/index\.ts/,
    ],
    ['no CHANGELOG.md', { files: files.filter((f) => f !== 'CHANGELOG.md') }, /CHANGELOG\.md is missing/],
    [
      'a .js without types',
      { files: files.filter((f) => f !== 'dist/redis-pool.d.ts') },
      /redis-pool\.js has no \.d\.ts/,
    ],
    [
      'an export target missing',
      { files: files.filter((f) => !f.startsWith('dist/json-response')) },
      /export \.\/json-response/,
    ],
    ['no repository', { manifest: { ...manifest, repository: undefined } }, /repository must be/],
    [
      'a wrong directory',
      { manifest: { ...manifest, repository: { ...manifest.repository, directory: 'packages' } } },
      /repository\.directory must be packages\/middleware/,
    ],
    [
      'bugs elsewhere',
      { manifest: { ...manifest, bugs: { url: 'https://example.com/bugs' } } },
      /bugs\.url must be/,
    ],
    [
      'a homepage elsewhere',
      { manifest: { ...manifest, homepage: 'https://example.com' } },
      /homepage must be/,
    ],
    [
      'no provenance',
      { manifest: { ...manifest, publishConfig: { access: 'public' } } },
      /provenance must be true/,
    ],
    [
      'restricted access',
      { manifest: { ...manifest, publishConfig: { provenance: true } } },
      /access must be "public"/,
    ],
    [
      'another changelog',
      { changelog: '# Changelog\n' },
      /CHANGELOG\.md must start with "# @cubewalk\/middleware"/,
    ],
    [
      'a changeset for a private package',
      { changesets: [['@cubewalk/middleware', '@cubewalk/handlers']] },
      /unpublished packages: @cubewalk\/handlers/,
    ],
  ])('fails for %s', (_name, change, problem) => {
    expect(releaseProblems({ ...good, ...change })).toContainEqual(expect.stringMatching(problem))
  })

  it('reads the package names from changeset front matter', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cubewalk-changesets-'))
    try {
      writeFileSync(join(dir, 'README.md'), '# not a changeset\n')
      writeFileSync(
        join(dir, 'one.md'),
        '---\n\'@cubewalk/middleware\': minor\n"@cubewalk/local": patch\n---\n\ntext\n',
      )
      expect(pendingChangesets(dir)).toEqual([['@cubewalk/middleware', '@cubewalk/local']])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
