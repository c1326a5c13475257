// Mutation testing of @cubewalk/middleware: `npm run mutation` (root) or in this package.
// Incremental: reports/stryker-incremental.json is committed, so a rerun only tests mutants in code or tests
// changed since; `npm run mutation -- --force` retests everything.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.stryker.config.ts' },
  mutate: ['src/**/*.ts'],
  // TypeScript 7 has no JavaScript compiler API, which Stryker's tsconfig rewriting (and its typescript-checker)
  // load; this package has no tsconfig.json, and naming one that never exists keeps it that way.
  tsconfigFile: 'tsconfig.stryker-unused.json',
  // Stryker puts `// @ts-nocheck` atop the TypeScript files it copies; readme.test.ts compares examples/ with
  // the README verbatim, so only source and tests get it.
  disableTypeChecks: '{src,test}/**/*.ts',
  ignorePatterns: ['dist', 'bench/results', 'coverage', '*.tgz'],
  coverageAnalysis: 'perTest',
  // A static mutant (module-level code: the error-classification lists, regexes, defaults) is covered by no test
  // in particular, so Stryker reruns the whole suite for it, about 2 minutes here: hours for all of them.
  // They are ignored here and tested by stryker.static.config.mjs (npm run mutation:static) with the fast tests.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  // A shared 2-core machine: one vitest per core.
  concurrency: 2,
  reporters: ['clear-text', 'progress-append-only', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
}
