// The esbuild options both Lambdas are bundled with: by `npm run bundle -w @cubewalk/handlers`
// (scripts/bundle.mjs) and by the CDK stack (packages/stack maps them onto NodejsFunction's bundling options),
// so what is measured here is what gets deployed. Plain ESM JavaScript so any Node tool can import it.
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

export const handlersRoot = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(handlersRoot, '../..')

/** The entry points, each exporting `handler`. */
export const entryPoints = {
  authorizer: resolve(handlersRoot, 'src/authorizer.ts'),
  blocks: resolve(handlersRoot, 'src/blocks.ts'),
}

/** Options for `esbuild.build`, minus entryPoints/outfile which depend on the function. */
export const esbuildOptions = Object.freeze({
  bundle: true,
  platform: 'node',
  // ESM: top-level await is available and Node loads one file without CommonJS wrappers per module.
  format: 'esm',
  target: 'node24',
  minify: true,
  // Off, by measurement (bench/keep-names.mjs, docs/benchmarks.md): keepNames makes the blocks bundle 11.5 KB
  // (4.8 %) bigger and its cold import no faster, often a few ms slower. Nothing may depend on names anyway:
  // minified classes lose theirs (ioredis's errors too, whose `name` comes from the constructor), so the
  // middleware recognises errors by `instanceof`, codes and messages, and packages/stack/test/artifact checks
  // these very bundles. What is lost is readability: a logged cause may be named `Ke`; its message and the
  // source-mapped stack still say what it is.
  keepNames: false,
  // A linked .map next to the bundle; without sourcesContent it stays small, so --enable-source-maps (which the
  // stack sets) costs little at cold start while stack traces still point at src/ lines.
  sourcemap: true,
  sourcesContent: false,
  // ioredis and http-errors are CommonJS and call require() for Node built-ins; an ESM bundle has no require.
  banner: {
    js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
  },
  // The Lambda Node.js runtime ships AWS SDK v3: @middy/ssm's SSM client is loaded from there, not bundled.
  // ioredis is bundled (the runtime has no Redis client).
  external: ['@aws-sdk/*'],
  // Prefer a package's ESM build when it ships both, so esbuild can tree-shake it. The default `conditions`
  // (import/require by import kind, node, module, default) are already right for Node, so they are not set.
  mainFields: ['module', 'main'],
  // The root tsconfig maps @cubewalk/middleware to packages/middleware/src/index.ts: bundles build from source,
  // with no `npm run build -w @cubewalk/middleware` first, exactly as the tests and the typecheck see it.
  tsconfig: resolve(repoRoot, 'tsconfig.json'),
  // See shims/node-http.mjs: an ESM import of node:http costs ~30 ms of cold start (it loads undici).
  alias: { 'node:http': resolve(handlersRoot, 'shims/node-http.mjs') },
  logLevel: 'warning',
})
