// The three servers the stack benches compare, started the same way for each bench: the runner (`npm start`'s
// entry with the given node flags and options), the bare node:http server calling the bundled blocks handler
// once (bench/local-bare-server.mjs), and the same bare server holding the handler `copies` times. All share
// one Redis, seeded with the 4 KiB chunk every bench reads.
import '../bin/ts-resolve.mjs'
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'

const { freePort } = await import('@cubewalk/local/internals')
const { DEFAULT_CONCURRENCY } = await import('@cubewalk/local')
const { CHUNK_PATH, loadBlocksFunction } = await import('./blocks-function.mjs')

const stackDir = fileURLToPath(new URL('../', import.meta.url))
export const TOKEN = 'cubewalk-allow'
/** The chunk read every bench requests, with the stage. */
export const CHUNK = `/prod${CHUNK_PATH}`
/** The chunk's blocks as the handler returns them (base64). */
export const CHUNK_BLOCKS = Buffer.alloc(4096, 7).toString('base64')

/** The command-line options (node:util parseArgs) every stack bench takes for the servers it starts. */
export const serverOptions = {
  assembly: { type: 'string', default: resolve(stackDir, 'cdk.out') },
  // The bare server's module instances in the third server; the runner's default cap.
  copies: { type: 'string', default: String(DEFAULT_CONCURRENCY) },
  // Extra `npm start` options for the runner, e.g. --runner-arg=--concurrency=4 --runner-arg=--isolation=inline
  'runner-arg': { type: 'string', multiple: true, default: [] },
  // Node flags of the runner process; the default is what `npm start` uses (see docs/local.md).
  'runner-node-arg': { type: 'string', multiple: true, default: ['--max-semi-space-size=16'] },
  // Node flags of the two bare servers (e.g. --cpu-prof for bench/runner-profile.mjs).
  'bare-node-arg': { type: 'string', multiple: true, default: [] },
}

/** The load every stack bench puts on each server (node:util parseArgs options). */
export const loadOptions = {
  connections: { type: 'string', default: '50' },
  // Long enough for steady state: each of the runner's instances warms up its own copy of the handler's code
  // (docs/benchmarks.md, "Warm-up"). The warm-up lasts `warmup` seconds and at least `warmup-requests` answers:
  // V8 optimizes after so many calls, not so many seconds, and on a loaded machine 20 s may be a third of them.
  warmup: { type: 'string', default: '20' },
  'warmup-requests': { type: 'string', default: '100000' },
}

/** Warms the server on `port` up as {@link loadOptions} say; resolves with the answers it took. */
export async function warmUp(port, options) {
  const started = performance.now()
  let answers = 0
  const minimum = Number(options['warmup-requests'])
  while (answers < minimum || performance.now() - started < Number(options.warmup) * 1000) {
    const result = await autocannon({
      url: `http://127.0.0.1:${port}${CHUNK}`,
      connections: Number(options.connections),
      duration: Math.max(1, Number(options.warmup) - (performance.now() - started) / 1000),
      ...(answers < minimum ? { amount: minimum - answers } : {}),
      headers: { token: TOKEN },
    })
    answers += result.requests.total
    if (result.requests.total === 0) throw new Error(`warm-up: no answer from port ${port}`)
  }
  return answers
}

const children = new Set()
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL')
})

export function startChild(args, env, stdout = 'ignore') {
  const child = spawn(process.execPath, args, {
    cwd: stackDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', stdout, 'inherit'],
  })
  children.add(child)
  child.once('exit', () => children.delete(child))
  return child
}

export async function stopChild(child) {
  if (child.exitCode !== null) return
  const gone = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await gone
}

export function http(method, port, path, body) {
  return new Promise((resolvePromise, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent: false,
        headers: { token: TOKEN, 'content-type': 'application/json' },
      },
      (res) => {
        let text = ''
        res.on('data', (c) => {
          text += c
        })
        res.on('end', () => resolvePromise({ status: res.statusCode, text }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

export async function waitUntil(check, what, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if (await check()) return
    } catch {}
    if (Date.now() > deadline) throw new Error(`${what} not ready in time`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** `npm start`'s command line for a runner on `port`, from the parsed {@link serverOptions}. */
export function runnerCommand(options, port) {
  return [
    ...options['runner-node-arg'],
    'bin/start.mjs',
    '--assembly',
    options.assembly,
    '--port',
    String(port),
    '--quiet-functions',
    ...options['runner-arg'],
  ]
}

/**
 * Starts the runner, the bare server and the bare server with the handler `copies` times against `redisUrl`
 * (`options`: the parsed {@link serverOptions}), seeds the chunk through the runner and checks that every server
 * answers it. Returns `{ runner, bare, copies }`, each `{ port, child }`, and `blocks` (the function model).
 */
export async function startServers(options, redisUrl) {
  const { blocks, environment } = loadBlocksFunction(options.assembly)
  const bareEnv = environment(redisUrl)

  const runnerPort = await freePort()
  const runner = startChild(runnerCommand(options, runnerPort), { REDIS_URL: redisUrl })
  await waitUntil(
    async () => (await http('GET', runnerPort, '/prod/cubewalkblocks')).status === 200,
    'runner',
  )
  const bareArgs = options['bare-node-arg'] ?? []
  const bare = await startBare(blocks.codeDir, 1, bareEnv, bareArgs)
  const copied = await startBare(blocks.codeDir, Number(options.copies), bareEnv, bareArgs)

  const put = await http('PUT', runnerPort, CHUNK, JSON.stringify({ blocks: CHUNK_BLOCKS }))
  if (put.status !== 200) throw new Error(`seeding the chunk failed: ${put.status} ${put.text}`)
  for (const port of [runnerPort, bare.port, copied.port]) {
    const check = await http('GET', port, CHUNK)
    if (check.status !== 200 || !check.text.includes('"blocks"'))
      throw new Error(`GET on ${port}: ${check.status}`)
  }
  return { blocks, runner: { port: runnerPort, child: runner }, bare, copies: copied }
}

async function startBare(codeDir, copies, env, nodeArgs) {
  const port = await freePort()
  const child = startChild(
    [...nodeArgs, 'bench/local-bare-server.mjs', codeDir, String(port), String(copies)],
    env,
  )
  await waitUntil(
    async () => (await http('GET', port, CHUNK)).status !== undefined,
    `bare server (x${copies})`,
  )
  return { port, child }
}
