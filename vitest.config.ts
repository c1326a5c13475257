import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const middlewareSource = fileURLToPath(new URL('./packages/middleware/src/', import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run against source, so `npm test` needs no build step first. Each subpath export
    // (`@cubewalk/middleware/redis-pool`, ...) is the source file of the same name, the root is index.ts.
    alias: [
      { find: /^@cubewalk\/middleware$/, replacement: `${middlewareSource}index.ts` },
      { find: /^@cubewalk\/middleware\/([a-z-]+)$/, replacement: `${middlewareSource}$1.ts` },
    ],
  },
  test: {
    globalSetup: ['./tools/redis-harness/src/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // `npm test` runs with --coverage and fails below these; `npx vitest run <files>` measures nothing.
    // Figures by package and how to read them: README.md, "Coverage".
    coverage: {
      provider: 'v8',
      include: ['packages/*/{src,bin}/**/*.{ts,mjs,cjs}', 'tools/*/src/**/*.ts'],
      exclude: ['**/*.test.ts', '**/*.d.ts'],
      // The local runner's function hosts and watchdog are worker threads and the CLI tests spawn its bin:
      // Node writes their V8 coverage through NODE_V8_COVERAGE, and vitest merges it with the in-process one.
      autoAttachSubprocess: true,
      reporter: ['text-summary', 'json-summary', 'html'],
      thresholds: {
        'packages/middleware/src/**': { lines: 98, branches: 94.5 },
        'packages/local/{src,bin}/**': { lines: 90 },
      },
    },
    projects: [
      {
        extends: true,
        test: { name: 'middleware', include: ['packages/middleware/{src,test}/**/*.test.ts'] },
      },
      { extends: true, test: { name: 'handlers', include: ['packages/handlers/{src,test}/**/*.test.ts'] } },
      { extends: true, test: { name: 'local', include: ['packages/local/{src,test}/**/*.test.ts'] } },
      {
        extends: true,
        // Every stack test synthesizes a CDK app in-process: seconds of CPU each, far more on a loaded machine.
        test: { name: 'stack', include: ['packages/stack/{src,test}/**/*.test.ts'], testTimeout: 60_000 },
      },
      { extends: true, test: { name: 'tools', include: ['tools/*/{src,test}/**/*.test.ts'] } },
      { extends: true, test: { name: 'scripts', include: ['scripts/**/*.test.ts'] } },
    ],
  },
})
