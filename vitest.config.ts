import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const middlewareSource = fileURLToPath(new URL('./packages/middleware/src/index.ts', import.meta.url))

export default defineConfig({
  resolve: {
    // Tests run against source, so `npm test` needs no build step first.
    alias: { '@cubewalk/middleware': middlewareSource },
  },
  test: {
    globalSetup: ['./tools/redis-harness/src/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'middleware', include: ['packages/middleware/{src,test}/**/*.test.ts'] },
      },
      { extends: true, test: { name: 'handlers', include: ['packages/handlers/{src,test}/**/*.test.ts'] } },
      { extends: true, test: { name: 'local', include: ['packages/local/{src,test}/**/*.test.ts'] } },
      { extends: true, test: { name: 'stack', include: ['packages/stack/{src,test}/**/*.test.ts'] } },
      { extends: true, test: { name: 'tools', include: ['tools/*/{src,test}/**/*.test.ts'] } },
      { extends: true, test: { name: 'scripts', include: ['scripts/**/*.test.ts'] } },
    ],
  },
})
