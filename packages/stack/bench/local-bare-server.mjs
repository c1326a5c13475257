// The baseline for bench/local-throughput.mjs: a bare node:http server calling the blocks function's bundled
// handler in-process, with no API Gateway emulation, no authorizer, no worker hop and no one-at-a-time rule.
// It builds the same REST proxy event the runner builds, so both servers feed the handler the same input.
// With <copies> > 1 it loads the bundle that many times (separate module instances, each with its own Redis
// connection, as the runner's instances are) and spreads requests over them round-robin, still concurrently:
// what holding several instances in one isolate costs, without the runner.
// Usage: node bench/local-bare-server.mjs <asset dir> <port> [copies]   (environment: the blocks function's)
import '../bin/ts-resolve.mjs'
import { randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const { buildProxyEvent, parseHeaders, parseQuery } = await import('@cubewalk/local/internals')

const [assetDir, portArg, copiesArg = '1'] = process.argv.slice(2)
const bundle = pathToFileURL(join(assetDir, 'index.mjs')).href
const copies = Number(copiesArg)
const handlers = []
for (let i = 0; i < copies; i++)
  handlers.push((await import(copies === 1 ? bundle : `${bundle}?copy=${i}`)).handler)
let next = 0
const route = /^\/prod\/cubewalkblocks\/([^/]+)\/chunks\/([^/]+)$/

const context = () => {
  const deadline = Date.now() + 10_000
  return {
    functionName: 'bare',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:bare',
    memoryLimitInMB: '512',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/bare',
    logStreamName: 'bare',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  }
}

const server = createServer(async (req, res) => {
  const url = req.url ?? '/'
  const q = url.indexOf('?')
  const path = q >= 0 ? url.slice(0, q) : url
  const match = route.exec(path)
  if (!match) {
    res.writeHead(404).end()
    return
  }
  const chunks = []
  for await (const chunk of req) chunks.push(chunk)
  const startedAt = Date.now()
  const event = buildProxyEvent(
    {
      method: req.method,
      path: path.slice('/prod'.length),
      rawQuery: q >= 0 ? url.slice(q + 1) : '',
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks),
      sourceIp: '127.0.0.1',
      protocol: 'HTTP/1.1',
      requestId: randomUUID(),
      extendedRequestId: 'bare',
      traceId: 'Root=1-0-0',
      startedAt,
    },
    {
      apiId: 'bare',
      accountId: '123456789012',
      stage: 'prod',
      deploymentId: 'bare',
      stageVariables: null,
      resourceId: 'bare',
      resourcePath: '/cubewalkblocks/{world}/chunks/{coords}',
      pathParameters: { world: match[1], coords: decodeURIComponent(match[2]) },
      domainName: req.headers.host ?? 'localhost',
      binaryMediaTypes: [],
    },
    parseHeaders(req.rawHeaders),
    parseQuery(q >= 0 ? url.slice(q + 1) : ''),
    { principalId: 'bench', integrationLatency: 0 },
  )
  const handler = handlers[next]
  next = (next + 1) % copies
  const result = await handler(event, context())
  res.writeHead(result.statusCode, result.headers ?? {})
  res.end(result.body ?? '')
})
server.listen(Number(portArg), '127.0.0.1', () => process.stdout.write('ready\n'))
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0))
