// A stand-in for one Lambda execution environment, for tests of built bundles: `node lambda-runner.mjs <bundle>`
// imports the bundle once (its init phase, as a cold start) and then invokes its `handler` one event at a time,
// each message from the parent over IPC, reusing the same module state like a warm container. Plain JavaScript
// with no imports from the repository, so it runs inside a throwaway project as a user's Lambda would.
import { pathToFileURL } from 'node:url'

const bundle = process.argv[2]
if (!bundle) {
  console.error('usage: node lambda-runner.mjs <bundle.mjs>')
  process.exit(2)
}
if (!process.send) {
  console.error('lambda-runner.mjs must be started with an IPC channel')
  process.exit(2)
}

let module
try {
  module = await import(pathToFileURL(bundle).href)
} catch (error) {
  process.send({ type: 'init-error', error: { name: error?.name, message: error?.message } })
  process.exit(1)
}
process.send({ type: 'ready' })

let invocation = 0
const lambdaContext = (remainingMs) => {
  const deadline = Date.now() + remainingMs
  invocation += 1
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'tarball-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:tarball-test',
    memoryLimitInMB: '512',
    awsRequestId: `00000000-0000-4000-8000-${String(invocation).padStart(12, '0')}`,
    logGroupName: '/aws/lambda/tarball-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  }
}

// One invocation at a time, as Lambda does: the next message waits for the previous one to settle.
let queue = Promise.resolve()
process.on('message', (message) => {
  queue = queue.then(async () => {
    const started = performance.now()
    try {
      const result = await module.handler(message.event, lambdaContext(message.remainingMs ?? 3000))
      process.send({ type: 'result', id: message.id, result, ms: performance.now() - started })
    } catch (error) {
      const thrown = { name: error?.name, message: error?.message }
      process.send({ type: 'error', id: message.id, error: thrown, ms: performance.now() - started })
    }
  })
})
