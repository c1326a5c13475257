// The in-thread host (`--isolation inline`): a function's instances run on the runner's own thread, so an
// invocation costs no thread hop and no second V8 heap (lower memory, lower latency when idle).
// Each instance is still a fresh evaluation of the asset with its own module state. What a thread would give
// for free is emulated per invocation through an AsyncLocalStorage scope:
//  - process.env reads and writes go to the function's own environment;
//  - console output is Lambda-formatted with the request id, to the function's output;
//  - process.exit() inside function code ends that instance (502 for the call, a cold start next), not the runner.
// Not emulated: a synchronous endless loop blocks the runner (no timeout can interrupt it); the default
// thread isolation handles that.

import { AsyncLocalStorage } from 'node:async_hooks'
import { registerHooks } from 'node:module'
import { trustExtraCaCertificates } from '../extra-ca-certificates.js'
import { FunctionRuntime, RuntimeExit } from '../function-runtime.js'
import { patchConsoleForLambda } from '../lambda-console.js'
import type { FromHost, HostWorkerData, ToHost } from '../lambda-protocol.js'

interface InlineScope {
  env: Record<string, string | undefined>
  requestId: string | undefined
  format: 'Text' | 'JSON'
  stdout: NodeJS.WritableStream | null
  stderr: NodeJS.WritableStream | null
}

const scopes = new AsyncLocalStorage<InlineScope>()
let installed = 0
let uninstall: (() => void) | undefined

/** Routes process.env to the current function's environment while function code runs. */
function envProxy(real: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const target = () => scopes.getStore()?.env ?? real
  return new Proxy(real, {
    get: (_, key) => (typeof key === 'string' ? target()[key] : undefined),
    set: (_, key, value) => {
      if (typeof key === 'string') target()[key] = String(value)
      return true
    },
    has: (_, key) => typeof key === 'string' && target()[key] !== undefined,
    deleteProperty: (_, key) => {
      if (typeof key === 'string') delete target()[key]
      return true
    },
    ownKeys: () => Object.keys(target()).filter((k) => target()[k] !== undefined),
    getOwnPropertyDescriptor: (_, key) => {
      if (typeof key !== 'string') return undefined
      const value = target()[key]
      return value === undefined ? undefined : { value, writable: true, enumerable: true, configurable: true }
    },
    defineProperty: (_, key, descriptor) => {
      if (typeof key === 'string') target()[key] = String(descriptor.value)
      return true
    },
  })
}

function install(fallbackResolveFrom: string): void {
  installed++
  if (installed > 1) return
  const realEnv = process.env
  const realExit = process.exit
  process.env = envProxy(realEnv)
  const restoreConsole = patchConsoleForLambda(console, () => {
    const scope = scopes.getStore()
    return (
      scope && {
        requestId: scope.requestId,
        format: scope.format,
        stdout: scope.stdout,
        stderr: scope.stderr,
      }
    )
  })
  process.exit = ((code?: number | string | null) => {
    if (scopes.getStore()) throw new RuntimeExit(Number(code ?? 0))
    return realExit.call(process, code)
  }) as typeof process.exit
  // Lambda's runtime provides the AWS SDK to bundles that leave it external; locally the runner's
  // node_modules does, for assets that live outside the repository.
  const hooks = registerHooks({
    resolve(specifier, context, nextResolve) {
      try {
        return nextResolve(specifier, context)
      } catch (error) {
        const bare = !/^(\.|\/|[a-z][a-z0-9+.-]*:)/i.test(specifier)
        if (!bare || (error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND' || !scopes.getStore())
          throw error
        return nextResolve(specifier, { ...context, parentURL: fallbackResolveFrom })
      }
    },
  })
  uninstall = () => {
    hooks.deregister()
    restoreConsole()
    process.exit = realExit
    process.env = realEnv
  }
}

function release(): void {
  installed--
  if (installed === 0) {
    uninstall?.()
    uninstall = undefined
  }
}

export interface InlineHostOptions {
  data: HostWorkerData
  environment: Record<string, string>
  stdout: NodeJS.WritableStream | null
  stderr: NodeJS.WritableStream | null
  onMessage: (message: FromHost) => void
}

export class InlineHost {
  private readonly runtime: FunctionRuntime
  private terminated = false
  private inbox: ToHost[] = []

  constructor(options: InlineHostOptions) {
    install(options.data.fallbackResolveFrom)
    trustExtraCaCertificates(options.environment.NODE_EXTRA_CA_CERTS)
    const env: Record<string, string | undefined> = { ...options.environment }
    const { logFormat } = options.data
    this.runtime = new FunctionRuntime(
      options.data,
      (message) => {
        if (!this.terminated) options.onMessage(message)
      },
      (requestId, fn) =>
        scopes.run({ env, requestId, format: logFormat, stdout: options.stdout, stderr: options.stderr }, fn),
    )
  }

  /**
   * Messages posted during one event-loop turn are handled together at its end, as the worker host receives
   * them: the invocations start back to back, so their Redis commands reach the server together too.
   */
  post(message: ToHost): void {
    if (this.terminated) return
    if (this.inbox.push(message) === 1) setImmediate(this.handleInbox)
  }

  private readonly handleInbox = (): void => {
    const messages = this.inbox
    this.inbox = []
    if (this.terminated) return
    for (const message of messages) this.runtime.handle(message)
  }

  async terminate(): Promise<void> {
    if (this.terminated) return
    this.terminated = true
    release()
  }
}
