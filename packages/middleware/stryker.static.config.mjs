// The static mutants `npm run mutation` ignores (stryker.config.mjs: each would rerun the whole suite): mutants of
// module-level constants, the error-classification lists above all, run against the fast tests that read them.
// `npm run mutation:static`; incremental like the main run.
import base from './stryker.config.mjs'

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  ...base,
  ignoreStatic: false,
  // Line ranges: only the module-level constants of each file. They move when code above them changes: after
  // editing one of these files, check its range (a constant outside it is neither mutated nor reported afresh).
  mutate: [
    'src/redis-pool/errors.ts:1-56',
    'src/redis-pool/options.ts:97-131',
    'src/json-response.ts:62-79',
    'src/token-authorizer.ts:88-108',
    'src/token-authorizer/authorizer-context.ts:10-10',
    'src/token-authorizer/stage-wide-resource.ts:6-9',
    'src/powertools-cache-client.ts:27-27',
    'src/elasticache-iam/sign-token.ts:22-24',
  ],
  vitest: { configFile: 'vitest.stryker-static.config.ts' },
  incrementalFile: 'reports/stryker-static-incremental.json',
  htmlReporter: { fileName: 'reports/mutation-static/index.html' },
  jsonReporter: { fileName: 'reports/mutation-static/mutation.json' },
}
