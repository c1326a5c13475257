// Vitest config for mutation testing (stryker.config.mjs): the middleware's own tests only, against the
// source beside this file. Stryker copies the package into a sandbox and runs this config there, so every
// path is relative to this file, never to the repository root.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const packageDir = dirname(fileURLToPath(import.meta.url))
const source = join(packageDir, 'src/')
// The harness's global setup (a private redis-server per run), found through the workspace package, which
// resolves from the sandbox too.
const redisHarness = dirname(fileURLToPath(import.meta.resolve('@cubewalk/redis-harness')))

export default defineConfig({
  root: packageDir,
  resolve: {
    alias: [
      { find: /^@cubewalk\/middleware$/, replacement: `${source}index.ts` },
      { find: /^@cubewalk\/middleware\/([a-z-]+)$/, replacement: `${source}$1.ts` },
    ],
  },
  test: {
    name: 'middleware',
    include: ['{src,test}/**/*.test.ts'],
    // These two test the built, packed tarball (dist/), which mutants of src/ never reach.
    exclude: ['test/package.test.ts', 'test/tarball.test.ts'],
    globalSetup: [join(redisHarness, 'global-setup.ts')],
    testTimeout: 20_000,
    // Some tests bound wall-clock times (a 503 within the budget); on a loaded shared machine one can miss by a
    // few ms. A retry keeps such noise from failing the dry run or killing a mutant; a mutant that really
    // breaks the behaviour fails all three tries.
    retry: 2,
    hookTimeout: 60_000,
  },
})
