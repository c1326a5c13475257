// npm run bundle -w @cubewalk/handlers
// Bundles both Lambdas with the shared options (../bundling.mjs) into dist-bundle/<name>/index.mjs, prints the
// sizes, and fails when a bundle breaks a rule: no Redis client in the authorizer, no AWS SDK inlined anywhere.
import { mkdir, rm, stat } from 'node:fs/promises'
import { relative, resolve } from 'node:path'
import { build } from 'esbuild'
import { entryPoints, esbuildOptions, handlersRoot } from '../bundling.mjs'

const outRoot = resolve(handlersRoot, 'dist-bundle')
await rm(outRoot, { recursive: true, force: true })

const kib = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`
const failures = []
const results = {}

for (const [name, entry] of Object.entries(entryPoints)) {
  const outfile = resolve(outRoot, name, 'index.mjs')
  await mkdir(resolve(outRoot, name), { recursive: true })
  const result = await build({ ...esbuildOptions, entryPoints: [entry], outfile, metafile: true })
  // Only files that left code in the output: the metafile also lists modules esbuild parsed and tree-shook away.
  const output = result.metafile.outputs[relative(process.cwd(), outfile)]
  const inputs = Object.entries(output?.inputs ?? {})
    .filter(([, input]) => input.bytesInOutput > 0)
    .map(([path]) => path)
  if (inputs.length === 0) failures.push(`${name}: esbuild metafile has no inputs for ${outfile}`)
  const bytes = (await stat(outfile)).size
  const mapBytes = (await stat(`${outfile}.map`)).size
  results[name] = { outfile, bytes, mapBytes, inputs }
  console.log(
    `${name.padEnd(10)} ${String(bytes).padStart(8)} bytes (${kib(bytes)})  map ${kib(mapBytes)}  ${relative(process.cwd(), outfile)}`,
  )

  const inlinedSdk = inputs.filter((input) => input.includes('node_modules/@aws-sdk/'))
  if (inlinedSdk.length > 0) failures.push(`${name}: the AWS SDK must stay external, found ${inlinedSdk[0]}`)
}

// The authorizer runs outside the VPC and never talks to Redis: no client code may ride along.
const redisInAuthorizer = results.authorizer.inputs.filter((input) =>
  /node_modules\/(ioredis|@ioredis|redis-parser|redis-errors|cluster-key-slot)\//.test(input),
)
if (redisInAuthorizer.length > 0) {
  failures.push(`authorizer: contains a Redis client (${redisInAuthorizer.slice(0, 3).join(', ')})`)
}

// The blocks bundle goal from the issue (220 KB, read as KiB). A goal, not a rule: reported, not fatal, because
// ioredis 6 with its dependencies alone is about 196 KiB minified (see docs/benchmarks.md).
const blocksBudget = 220 * 1024
if (results.blocks.bytes > blocksBudget) {
  console.warn(`WARN blocks: ${results.blocks.bytes} bytes is over the 220 KiB goal (${blocksBudget} bytes)`)
}

if (failures.length > 0) {
  for (const failure of failures) console.error(`FAIL ${failure}`)
  process.exit(1)
}
console.log('ok: the authorizer has no Redis client; the AWS SDK is external in both')
