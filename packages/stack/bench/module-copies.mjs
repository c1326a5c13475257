// What holding several instances of one function in one isolate costs, with no HTTP and no runner code: calls
// the blocks handler directly from N module instances of its bundle (each with its own Redis connection, as the
// runner's instances have), 50 calls in flight spread round-robin, and reports calls per second and how much of
// what the calls allocate survives young-generation GCs and is promoted (V8's --trace-gc-nvp), for each N.
// The bare ×8 server of local-throughput.mjs and the runner's function worker both hold 8 instances.
// With a short --warmup, more instances show much promotion: each instance's copy of the code is still warming
// up. With a longer one (--warmup 12) almost nothing is promoted whatever N (docs/benchmarks.md, "Warm-up").
//
// Usage (from packages/stack, after `npm run synth` or `npm start` once wrote cdk.out):
//   node bench/module-copies.mjs [--assembly cdk.out] [--copies 1,4,6,8] [--duration 5] [--warmup 3]
import '../bin/ts-resolve.mjs'
import { randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { startLocalRedis, DEFAULT_IDENTITY, buildProxyEvent, parseHeaders, parseQuery } = await import(
  '@cubewalk/local/internals'
)
const { CHUNK_PATH, loadBlocksFunction } = await import('./blocks-function.mjs')
const { measureTraced, runMeasuredWindow } = await import('./gc-trace.mjs')

const stackDir = fileURLToPath(new URL('../', import.meta.url))
const { values } = parseArgs({
  options: {
    assembly: { type: 'string', default: resolve(stackDir, 'cdk.out') },
    copies: { type: 'string', default: '1,4,6,8' },
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '3' },
    // Internal: the measuring child process.
    child: { type: 'string' },
    'redis-url': { type: 'string' },
  },
})
const IN_FLIGHT = 50

const { api, match, blocks, environment } = loadBlocksFunction(values.assembly)

if (values.child) await child(Number(values.child), values['redis-url'])
else await parent()

async function parent() {
  const redis = await startLocalRedis()
  const results = []
  try {
    for (const copies of values.copies.split(',').map(Number)) {
      const result = await measure(copies, redis.url)
      results.push(result)
      console.error(
        `${copies} instance(s): ${result.callsPerSecond} calls/s, ${result.promotedKbPerScavenge} KB promoted per scavenge (${result.promotedMbInAll} MB in all; ${result.survivedKbPerScavenge} KB survived per scavenge), ${result.markCompacts} full GCs`,
      )
    }
  } finally {
    await redis.stop()
  }
  console.log(JSON.stringify({ node: process.version, inFlight: IN_FLIGHT, results }, null, 2))
}

/** One child process per N, so every N starts from a fresh heap. */
async function measure(copies, redisUrl) {
  const args = [fileURLToPath(import.meta.url), '--assembly', values.assembly, '--child', String(copies)]
  args.push('--redis-url', redisUrl, '--duration', values.duration, '--warmup', values.warmup)
  return { copies, ...(await measureTraced(args, { cwd: stackDir })) }
}

async function child(copies, redisUrl) {
  Object.assign(process.env, environment(redisUrl))
  const bundle = pathToFileURL(resolve(blocks.codeDir, 'index.mjs')).href
  const handlers = []
  for (let i = 0; i < copies; i++) handlers.push((await import(`${bundle}?copy=${i}`)).handler)

  const rawHeaders = ['host', '127.0.0.1:3000', 'token', 'cubewalk-allow', 'content-type', 'application/json']
  const route = {
    apiId: api.apiId,
    accountId: DEFAULT_IDENTITY.accountId,
    stage: 'prod',
    deploymentId: 'bench',
    stageVariables: null,
    resourceId: match.node.id,
    resourcePath: match.node.path,
    pathParameters: match.pathParameters,
    domainName: '127.0.0.1:3000',
    binaryMediaTypes: [],
  }
  const event = (method, body) =>
    buildProxyEvent(
      {
        method,
        path: CHUNK_PATH,
        rawQuery: '',
        rawHeaders,
        body,
        sourceIp: '127.0.0.1',
        protocol: 'HTTP/1.1',
        requestId: randomUUID(),
        extendedRequestId: 'bench',
        traceId: 'Root=1-0-0',
        startedAt: Date.now(),
      },
      route,
      parseHeaders(rawHeaders),
      parseQuery(''),
      { principalId: 'bench', integrationLatency: 0 },
    )
  const context = () => {
    const deadline = Date.now() + 10_000
    return {
      functionName: blocks.name,
      awsRequestId: randomUUID(),
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => deadline - Date.now(),
    }
  }
  const put = await handlers[0](
    event('PUT', Buffer.from(JSON.stringify({ blocks: Buffer.alloc(4096, 7).toString('base64') }))),
    context(),
  )
  if (put.statusCode !== 200) throw new Error(`seeding the chunk failed: ${put.statusCode} ${put.body}`)

  let next = 0
  await runMeasuredWindow(
    async () => {
      const handler = handlers[next]
      next = (next + 1) % copies
      const result = await handler(event('GET', Buffer.alloc(0)), context())
      if (result.statusCode !== 200) throw new Error(`GET answered ${result.statusCode}: ${result.body}`)
    },
    { inFlight: IN_FLIGHT, warmupSeconds: Number(values.warmup), seconds: Number(values.duration) },
  )
  process.exit(0)
}
