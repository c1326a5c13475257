// The fast tests that read the middleware's module-level constants, for stryker.static.config.mjs. A static
// mutant runs every test of its config, so this config holds only these. (Stryker's `testFiles` option would
// be the obvious way, but it activates static mutants after their module has loaded, so they all "survive":
// stryker-mutator/stryker-js#6144.)
import { defineConfig } from 'vitest/config'
import base from './vitest.stryker.config.js'

// Not mergeConfig: it would append these to the base's include glob instead of replacing it.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'test/redis-pool.classification.test.ts',
      'test/redis-pool.errors.test.ts',
      'test/option-validation.test.ts',
      'test/option-errors.test.ts',
      'test/json-response.test.ts',
      'test/token-authorizer.test.ts',
      'test/token-authorizer-unicode.test.ts',
      'test/token-authorizer-arn.test.ts',
      'test/powertools-idempotency.test.ts',
      'test/elasticache-iam.test.ts',
      'test/redis-pool.test.ts',
    ],
  },
})
