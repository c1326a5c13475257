// What both cold-import benches share: a closed local port for the handlers' cold-start prefetch, the quiet
// environment that points it there, and one sample: a fresh `node` process that times `await import(specifier)`.
import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { handlersRoot } from '../bundling.mjs'

/** A local port nothing listens on: the SSM fetch and Redis connect of a handler's init fail there, fast. */
export const closedPort = await new Promise((done) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address()
    server.close(() => done(port))
  })
})

/** The variables both handlers read at init, with every endpoint on the closed port and only fake credentials. */
export const quietEnv = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLENOTSECRET',
  AWS_SECRET_ACCESS_KEY: 'bench-secret-not-secret',
  AWS_ENDPOINT_URL_SSM: `http://127.0.0.1:${closedPort}`,
  TOKENS_PARAMETER_NAME: '/cubewalk-bench/tokens',
  REDIS_URL: `redis://127.0.0.1:${closedPort}`,
}

// CPU time (user + system) is reported next to wall time: on a shared machine it is the steadier of the two.
const childCode = (specifier) => `
const start = performance.now()
const cpu = process.cpuUsage()
await import(${JSON.stringify(specifier)})
const ms = performance.now() - start
const used = process.cpuUsage(cpu)
process.stdout.write(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000 }))
process.exit(0)
`

/**
 * One cold import in a fresh process (run from this package, so bundles resolve the AWS SDK from node_modules as
 * Lambda's runtime provides it): `{ importMs, cpuMs, processMs }`, the last including the process's own start.
 */
export const sampleImport = (specifier, nodeOptions = '') =>
  new Promise((done, fail) => {
    const started = performance.now()
    const child = spawn(process.execPath, ['--input-type=module', '--eval', childCode(specifier)], {
      cwd: handlersRoot,
      env: { ...process.env, ...quietEnv, NODE_OPTIONS: nodeOptions },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
    })
    child.on('error', fail)
    child.on('exit', (code) => {
      if (code !== 0) return fail(new Error(`import of ${specifier}: child exited with ${code}`))
      const { ms, cpuMs } = JSON.parse(out)
      done({ importMs: ms, cpuMs, processMs: performance.now() - started })
    })
  })
