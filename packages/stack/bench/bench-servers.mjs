// The three servers the stack benches compare, started the same way for each bench: the runner (`npm start`'s
// entry with the given node flags and options), the bare node:http server calling the bundled blocks handler
// once (bench/local-bare-server.mjs), and the same bare server holding the handler `copies` times. All share
// one Redis, seeded with the 4 KiB chunk every bench reads.
import '../bin/ts-resolve.mjs'
import { spawn } from 'node:child_process'
import { request } from 'node:http'
import { fileURLToPath } from 'node:url'

const { freePort } = await import('../src/local/local-redis.ts')
const { CHUNK_PATH, loadBlocksFunction } = await import('./blocks-function.mjs')

export const stackDir = fileURLToPath(new URL('../', import.meta.url))
export const TOKEN = 'cubewalk-allow'
/** The chunk read every bench requests, with the stage. */
export const CHUNK = `/prod${CHUNK_PATH}`
/** The chunk's blocks as the handler returns them (base64). */
export const CHUNK_BLOCKS = Buffer.alloc(4096, 7).toString('base64')
/** What the runner's node process gets unless a bench says otherwise: `npm start`'s own flags. */
export const RUNNER_NODE_ARGS = ['--max-semi-space-size=16']

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

/** `npm start`'s command line for a runner on `port`. */
export function runnerCommand({ assembly, port, nodeArgs = RUNNER_NODE_ARGS, runnerArgs = [] }) {
  return [
    ...nodeArgs,
    'bin/start.mjs',
    '--assembly',
    assembly,
    '--port',
    String(port),
    '--quiet-functions',
    ...runnerArgs,
  ]
}

/**
 * Starts the runner, the bare server and the bare server with the handler `copies` times against `redisUrl`,
 * seeds the chunk through the runner and checks that every server answers it. Returns `{ runner, bare, copies }`,
 * each `{ port, child }`, and `blocks` (the function model).
 */
export async function startServers({ assembly, redisUrl, copies, nodeArgs, runnerArgs }) {
  const { blocks, environment } = loadBlocksFunction(assembly)
  const bareEnv = environment(redisUrl)

  const runnerPort = await freePort()
  const runner = startChild(runnerCommand({ assembly, port: runnerPort, nodeArgs, runnerArgs }), {
    REDIS_URL: redisUrl,
  })
  await waitUntil(
    async () => (await http('GET', runnerPort, '/prod/cubewalkblocks')).status === 200,
    'runner',
  )
  const bare = await startBare(blocks.codeDir, 1, bareEnv)
  const copied = await startBare(blocks.codeDir, copies, bareEnv)

  const put = await http('PUT', runnerPort, CHUNK, JSON.stringify({ blocks: CHUNK_BLOCKS }))
  if (put.status !== 200) throw new Error(`seeding the chunk failed: ${put.status} ${put.text}`)
  for (const port of [runnerPort, bare.port, copied.port]) {
    const check = await http('GET', port, CHUNK)
    if (check.status !== 200 || !check.text.includes('"blocks"'))
      throw new Error(`GET on ${port}: ${check.status}`)
  }
  return { blocks, runner: { port: runnerPort, child: runner }, bare, copies: copied }
}

async function startBare(codeDir, copies, env) {
  const port = await freePort()
  const child = startChild(['bench/local-bare-server.mjs', codeDir, String(port), String(copies)], env)
  await waitUntil(
    async () => (await http('GET', port, CHUNK)).status !== undefined,
    `bare server (x${copies})`,
  )
  return { port, child }
}
