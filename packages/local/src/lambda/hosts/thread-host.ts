// The worker-thread host (the default isolation): one worker thread per function, holding its instances. The
// function gets real isolation from the runner: its own process.env (the Worker's `env`), its own globals, a
// `process.exit` that ends only this thread, and synchronous code that a timeout can stop (by terminating the
// thread). Its work also runs beside the HTTP thread, on the other core. Messages travel in batches per turn.

import { AsyncLocalStorage } from 'node:async_hooks'
import { setSourceMapsSupport } from 'node:module'
import { parentPort, workerData } from 'node:worker_threads'
import { trustExtraCaCertificates } from '../extra-ca-certificates.js'
import { FunctionRuntime } from '../function-runtime.js'
import { patchConsoleForLambda } from '../lambda-console.js'
import type { FromHost, HostWorkerData, ToHost } from '../lambda-protocol.js'

const data = workerData as HostWorkerData
const port = parentPort
if (!port) throw new Error('lambda-host must run in a worker thread')

const requestIds = new AsyncLocalStorage<string | undefined>()
patchConsoleForLambda(console, () => {
  const requestId = requestIds.getStore()
  return { requestId, format: data.logFormat, stdout: process.stdout, stderr: process.stderr }
})
// NODE_OPTIONS does not reach a worker thread; honour the one flag functions set in practice.
if (process.env.NODE_OPTIONS?.includes('--enable-source-maps')) setSourceMapsSupport(true)
trustExtraCaCertificates(process.env.NODE_EXTRA_CA_CERTS)

// Results finished during one event-loop turn go back together, as the runner batches what it sends.
let outbox: FromHost[] = []
const flush = () => {
  const messages = outbox
  outbox = []
  port.postMessage(messages)
}
const runtime = new FunctionRuntime(
  data,
  (message: FromHost) => {
    if (outbox.push(message) === 1) setImmediate(flush)
  },
  (requestId, fn) => requestIds.run(requestId, fn),
)
port.on('message', (batch: ToHost[]) => {
  for (const message of batch) runtime.handle(message)
})
