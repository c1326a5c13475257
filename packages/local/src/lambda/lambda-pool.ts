// Lambda's concurrency model for one function. Each instance (execution environment) serves one invocation at
// a time; a request that finds every instance busy gets a new one (a cold start) until the concurrency cap is
// reached, then waits in line for the first instance to free up. An instance that times out, crashes or fails
// its init is discarded, as Lambda discards the environment.
//
// Instances live in a host: one worker thread per function by default (hosts/thread-host.ts: real isolation, and the
// function's work runs beside the HTTP thread; a host that dies or is stuck in synchronous code is terminated
// and replaced), or the runner's own thread (`isolation: 'inline'`, inline-host.ts: less memory, no hop).

import { randomUUID } from 'node:crypto'
import type { Writable } from 'node:stream'
import { Worker } from 'node:worker_threads'
import type { FunctionModel } from '../template/api-model.js'
import { type Deadline, Deadlines } from './deadlines.js'
import { releaseFromDebugger } from './hosts/debugger-release.js'
import { InlineHost } from './hosts/inline-host.js'
import { workerEntry } from './hosts/worker-entry.js'
import type {
  FromHost,
  HostWorkerData,
  InvokeOutcome,
  LambdaErrorPayload,
  ProxyInput,
  ToHost,
} from './lambda-protocol.js'

export type { InvokeOutcome } from './lambda-protocol.js'

/** How long Lambda lets an init phase run before it gives up on the environment. */
export const INIT_TIMEOUT_MS = 10_000
/**
 * Every timeout while a debugger may pause function code (`--inspect`): a function stopped at a breakpoint must
 * not time out, nor be thrown away, nor see `getRemainingTimeInMillis()` run out (Middy's own timeout races the
 * handler against it). 10 hours, as SAM CLI's `sam local` when debugging; well below setTimeout's 24.8-day limit.
 */
export const DEBUG_TIMEOUT_MS = 36_000_000
/** How long a host may stay silent after a timed-out invocation before it is considered stuck. */
const STUCK_HOST_MS = 1_000

export interface InvokeResult {
  outcome: InvokeOutcome
  requestId: string
  cold: boolean
  initMs: number | undefined
  durationMs: number
  /** Time spent waiting for a free instance. */
  queuedMs: number
}

export interface InvocationReport {
  functionLogicalId: string
  functionName: string
  requestId: string
  instance: number
  cold: boolean
  initMs: number | undefined
  durationMs: number
  memoryMb: number
  status: 'success' | 'error' | 'timeout' | 'crash'
}

export type Isolation = 'inline' | 'thread'

export interface LambdaPoolOptions {
  /** Most instances alive at once. */
  concurrency: number
  /** Where instances run: a worker thread per function (default) or the runner's own thread. */
  isolation?: Isolation
  /** The function's complete environment (template variables, Lambda's reserved ones, local overrides). */
  environment: Record<string, string>
  /** Where the function's console output goes; `null` discards it. */
  stdout: Writable | null
  stderr: Writable | null
  onReport?: (report: InvocationReport) => void
  /** Module URL bare imports fall back to (the AWS SDK of the runner's node_modules). */
  fallbackResolveFrom: string
  workerFile?: string
  /** A debugger may pause function code: the function's timeout and the init limit become DEBUG_TIMEOUT_MS. */
  debugging?: boolean
}

/** Lets the caller give up on an invocation still waiting for a free instance (cheaper than AbortSignal). */
export class Cancellation {
  cancelled = false
  private listener: (() => void) | undefined

  cancel(): void {
    if (this.cancelled) return
    this.cancelled = true
    this.listener?.()
  }

  /** @internal */
  listen(listener: (() => void) | undefined): void {
    this.listener = listener
  }
}

export interface InvokeOptions {
  cancellation?: Cancellation
  traceId?: string
}

export class InvocationAbortedError extends Error {
  constructor() {
    super('invocation abandoned before an instance was free')
    this.name = 'InvocationAbortedError'
  }
}

interface Pending {
  resolve: (instance: Instance) => void
  reject: (error: Error) => void
  cancellation: Cancellation | undefined
}

type Settled = { outcome: InvokeOutcome; durationMs: number; status: InvocationReport['status'] }

interface Running {
  id: number
  requestId: string
  timer: Deadline
  started: number
  done: (settled: Settled) => void
}

interface HostChannel {
  post(message: ToHost): void
  terminate(): Promise<unknown>
}

interface Host {
  channel: HostChannel
  dead: boolean
  /** By serial; results name the instance they ran on. */
  instances: Map<number, Instance>
  inits: Map<number, { resolve: (initMs: number) => void; reject: (error: LambdaErrorPayload) => void }>
  pongs: Map<number, () => void>
}

interface Instance {
  serial: number
  host: Host
  ready: Promise<number>
  dead: boolean
  invocations: number
  /** The one invocation this instance is running. Kept here rather than in a pool-wide Map of invocations:
   * see deadlines.ts for what a Map under constant churn costs the garbage collector. */
  running: Running | undefined
}

function crashError(requestId: string, reason: string): LambdaErrorPayload {
  return { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: ${reason}` }
}

export class LambdaPool {
  readonly fn: FunctionModel
  private readonly options: LambdaPoolOptions
  private readonly workerFile: string
  private readonly idle: Instance[] = []
  private readonly all = new Set<Instance>()
  private readonly queue: Pending[] = []
  private host: Host | undefined
  private serial = 0
  private invocationSerial = 0
  private nonce = 0
  private closed = false
  /** Set by {@link retire}: called once nothing runs or waits any more. */
  private onDrained: (() => void) | undefined
  /** Makes module URLs unique per pool: several runners may share one thread (tests). */
  private readonly poolKey = randomUUID().slice(0, 8)
  private readonly deadlines = new Deadlines()
  private readonly timeoutMs: number
  private readonly initTimeoutMs: number

  constructor(fn: FunctionModel, options: LambdaPoolOptions) {
    if (!fn.codeDir) throw new Error(`function ${fn.logicalId} has no local code asset`)
    this.fn = fn
    this.options = options
    this.timeoutMs = options.debugging ? DEBUG_TIMEOUT_MS : fn.timeoutSeconds * 1000
    this.initTimeoutMs = options.debugging ? DEBUG_TIMEOUT_MS : INIT_TIMEOUT_MS
    this.workerFile = options.workerFile ?? workerEntry('hosts/lambda-worker', import.meta.url)
  }

  get concurrency(): number {
    return this.options.concurrency
  }

  stats(): { instances: number; idle: number; queued: number } {
    return { instances: this.all.size, idle: this.idle.length, queued: this.queue.length }
  }

  /** Invokes with a JSON event; the outcome is the JSON payload (or an error). */
  invoke(eventJson: string, options: InvokeOptions = {}): Promise<InvokeResult> {
    return this.dispatch(
      (instance, id, requestId, deadline, traceId) => ({
        type: 'invoke',
        id,
        instance: instance.serial,
        requestId,
        deadline,
        traceId,
        event: eventJson,
      }),
      options,
    )
  }

  /** Invokes as a Lambda proxy integration: the host builds the event and checks the result. */
  invokeProxy(input: ProxyInput, options: InvokeOptions = {}): Promise<InvokeResult> {
    if (this.options.isolation !== 'inline') {
      // A worker re-parses the raw request faster than the parsed copies would cross the thread boundary.
      const { headers: _headers, query: _query, ...raw } = input
      input = raw
    }
    return this.dispatch(
      (instance, id, requestId, deadline, traceId) => ({
        type: 'invoke-proxy',
        id,
        instance: instance.serial,
        requestId,
        deadline,
        traceId,
        input,
      }),
      options,
    )
  }

  /** Terminates every instance and fails whatever still waits. */
  async close(): Promise<void> {
    this.closed = true
    for (const pending of this.queue.splice(0)) pending.reject(new Error('runner is shutting down'))
    const host = this.host
    if (host) await this.killHost(host, 'runner is shutting down')
  }

  /**
   * For a code swap (`--watch`): invocations already running or waiting finish on this code, then the pool
   * closes. The caller stops handing it new invocations first.
   */
  retire(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.onDrained = resolve
      this.closeIfDrained()
    }).then(() => this.close())
  }

  private closeIfDrained(): void {
    if (this.onDrained && this.queue.length === 0 && this.idle.length === this.all.size) {
      const drained = this.onDrained
      this.onDrained = undefined
      drained()
    }
  }

  private async dispatch(
    message: (instance: Instance, id: number, requestId: string, deadline: number, traceId: string) => ToHost,
    options: InvokeOptions,
  ): Promise<InvokeResult> {
    const requestId = randomUUID()
    const queuedAt = performance.now()
    let instance = this.idle.pop()
    if (!instance) {
      instance =
        this.all.size < this.options.concurrency
          ? this.spawn()
          : await this.waitForInstance(options.cancellation)
    }
    const cold = instance.invocations === 0
    let initMs: number | undefined
    try {
      initMs = await instance.ready
    } catch (error) {
      this.discard(instance)
      const report = {
        requestId,
        instance,
        cold: true,
        initMs: undefined,
        durationMs: 0,
        status: 'crash' as const,
      }
      this.report(report)
      return {
        outcome: { kind: 'error', error: error as LambdaErrorPayload },
        requestId,
        cold: true,
        initMs: undefined,
        durationMs: 0,
        queuedMs: 0,
      }
    }
    if (instance.dead) {
      // The host died between init and now; try again with whatever the pool has.
      return this.dispatch(message, options)
    }
    const queuedMs = cold ? 0 : performance.now() - queuedAt
    const settled = await this.run(instance, requestId, message, options.traceId)
    this.report({
      requestId,
      instance,
      cold,
      initMs: cold ? initMs : undefined,
      durationMs: settled.durationMs,
      status: settled.status,
    })
    if (!instance.dead) this.release(instance)
    return {
      outcome: settled.outcome,
      requestId,
      cold,
      initMs: cold ? initMs : undefined,
      durationMs: settled.durationMs,
      queuedMs,
    }
  }

  private report(r: {
    requestId: string
    instance: Instance
    cold: boolean
    initMs: number | undefined
    durationMs: number
    status: InvocationReport['status']
  }): void {
    this.options.onReport?.({
      functionLogicalId: this.fn.logicalId,
      functionName: this.fn.name,
      requestId: r.requestId,
      instance: r.instance.serial,
      cold: r.cold,
      initMs: r.initMs,
      durationMs: r.durationMs,
      memoryMb: this.fn.memoryMb,
      status: r.status,
    })
  }

  private waitForInstance(cancellation: Cancellation | undefined): Promise<Instance> {
    if (cancellation?.cancelled) return Promise.reject(new InvocationAbortedError())
    return new Promise<Instance>((resolve, reject) => {
      const pending: Pending = { resolve, reject, cancellation }
      cancellation?.listen(() => {
        const index = this.queue.indexOf(pending)
        if (index >= 0) this.queue.splice(index, 1)
        reject(new InvocationAbortedError())
      })
      this.queue.push(pending)
    })
  }

  private handOver(instance: Instance): boolean {
    const next = this.queue.shift()
    if (!next) return false
    next.cancellation?.listen(undefined)
    next.resolve(instance)
    return true
  }

  private release(instance: Instance): void {
    if (this.closed) return
    if (!this.handOver(instance)) this.idle.push(instance)
    if (this.onDrained) this.closeIfDrained()
  }

  /** After an instance is gone, whoever still waits gets a fresh one. */
  private refill(): void {
    while (!this.closed && this.queue.length > 0 && this.all.size < this.options.concurrency) {
      this.handOver(this.spawn())
    }
  }

  private currentHost(): Host {
    if (this.host && !this.host.dead) return this.host
    const fn = this.fn
    const workerData: HostWorkerData = {
      functionName: fn.name,
      functionArn: fn.arn,
      memoryMb: fn.memoryMb,
      handler: fn.handler,
      taskRoot: fn.codeDir as string,
      logFormat: fn.logFormat,
      logGroup: fn.logGroup,
      fallbackResolveFrom: this.options.fallbackResolveFrom,
    }
    const host: Host = {
      channel: { post: () => {}, terminate: async () => {} },
      dead: false,
      instances: new Map(),
      inits: new Map(),
      pongs: new Map(),
    }
    if (this.options.isolation === 'inline') {
      host.channel = new InlineHost({
        data: workerData,
        environment: this.options.environment,
        stdout: this.options.stdout,
        stderr: this.options.stderr,
        onMessage: (message) => this.onHostMessage(host, message),
      })
    } else {
      const worker = new Worker(this.workerFile, {
        workerData,
        env: withCoverageDirectory(this.options.environment),
        stdout: true,
        stderr: true,
        // Every instance's heap lives in this thread: room for each at the function's memory size. The young
        // generation is bounded (V8's default grows to 64 MB on a large machine) to keep the resident size low.
        resourceLimits: {
          maxOldGenerationSizeMb: Math.min(
            4096,
            Math.max(128, fn.memoryMb) * Math.max(1, this.options.concurrency),
          ),
          maxYoungGenerationSizeMb: Number(process.env.CUBEWALK_WORKER_YOUNG_MB ?? 32),
        },
      })
      pipe(worker.stdout, this.options.stdout)
      pipe(worker.stderr, this.options.stderr)
      worker.on('message', (batch: FromHost[]) => {
        for (const message of batch) this.onHostMessage(host, message)
      })
      worker.on('error', (error) => void this.killHost(host, `${error.name}: ${error.message}`))
      worker.on('exit', (code) => void this.killHost(host, `Runtime exited with error: exit status ${code}`))
      // Messages posted during one event-loop turn travel together: one hop for many invocations.
      let batch: ToHost[] = []
      const flush = () => {
        const messages = batch
        batch = []
        if (!host.dead) worker.postMessage(messages)
      }
      host.channel = {
        post: (message) => {
          if (batch.push(message) === 1) setImmediate(flush)
        },
        terminate: async () => {
          // A worker held at a breakpoint would never finish terminating (Ctrl-C would hang).
          if (this.options.debugging) await releaseFromDebugger(worker.threadId).catch(() => {})
          return await worker.terminate()
        },
      }
    }
    this.host = host
    return host
  }

  private onHostMessage(host: Host, message: FromHost): void {
    switch (message.type) {
      case 'result': {
        const instance = host.instances.get(message.instance)
        const running = instance?.running
        if (!instance || running?.id !== message.id) return
        instance.running = undefined
        this.deadlines.cancel(running.timer)
        if (message.crashed) this.discard(instance)
        const status = message.crashed ? 'crash' : message.outcome.kind === 'error' ? 'error' : 'success'
        running.done({ outcome: message.outcome, durationMs: message.durationMs, status })
        return
      }
      case 'ready':
        host.inits.get(message.instance)?.resolve(message.initMs)
        host.inits.delete(message.instance)
        return
      case 'init-error':
        host.inits.get(message.instance)?.reject(message.error)
        host.inits.delete(message.instance)
        return
      case 'pong':
        host.pongs.get(message.nonce)?.()
        host.pongs.delete(message.nonce)
        return
    }
  }

  private spawn(): Instance {
    const host = this.currentHost()
    const serial = ++this.serial
    const instance: Instance = {
      serial,
      host,
      ready: Promise.resolve(0),
      dead: false,
      invocations: 0,
      running: undefined,
    }
    instance.ready = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        host.inits.delete(serial)
        reject({
          errorType: 'Runtime.InitTimeout',
          errorMessage: `init exceeded ${this.initTimeoutMs / 1000} s`,
        })
      }, this.initTimeoutMs)
      host.inits.set(serial, {
        resolve: (initMs) => {
          clearTimeout(timer)
          resolve(initMs)
        },
        reject: (error) => {
          clearTimeout(timer)
          reject(error)
        },
      })
    })
    instance.ready.catch(() => {})
    const day = new Date().toISOString().slice(0, 10).replaceAll('-', '/')
    const logStream = `${day}/[$LATEST]${randomUUID().replaceAll('-', '')}`
    host.instances.set(serial, instance)
    this.all.add(instance)
    this.post(host, { type: 'init', instance: serial, key: `${this.poolKey}-${serial}`, logStream })
    return instance
  }

  private post(host: Host, message: ToHost): void {
    if (!host.dead) host.channel.post(message)
  }

  private run(
    instance: Instance,
    requestId: string,
    message: (instance: Instance, id: number, requestId: string, deadline: number, traceId: string) => ToHost,
    traceId: string | undefined,
  ): Promise<Settled> {
    return new Promise((done) => {
      const id = ++this.invocationSerial
      const timeoutMs = this.timeoutMs
      const started = performance.now()
      const timer = this.deadlines.add(timeoutMs, () => {
        if (instance.running?.id !== id) return
        instance.running = undefined
        done({
          outcome: {
            kind: 'error',
            error: {
              errorType: 'Sandbox.Timedout',
              errorMessage: `${requestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
            },
          },
          durationMs: performance.now() - started,
          status: 'timeout',
        })
        // Lambda throws the timed-out environment away; the next request gets a fresh one.
        this.discard(instance)
        this.checkAlive(instance.host)
      })
      instance.running = { id, requestId, timer, started, done }
      instance.invocations++
      const trace = traceId ?? `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${requestId.slice(0, 8)}`
      this.post(instance.host, message(instance, id, requestId, Date.now() + timeoutMs, trace))
    })
  }

  /** A host that does not answer a ping is stuck in synchronous code: only terminating it frees the thread. */
  private checkAlive(host: Host): void {
    if (host.dead) return
    const nonce = ++this.nonce
    const timer = setTimeout(() => {
      host.pongs.delete(nonce)
      void this.killHost(host, 'host stuck after a timeout')
    }, STUCK_HOST_MS)
    host.pongs.set(nonce, () => clearTimeout(timer))
    this.post(host, { type: 'ping', nonce })
  }

  private forget(instance: Instance): void {
    instance.dead = true
    instance.host.instances.delete(instance.serial)
    this.all.delete(instance)
    const index = this.idle.indexOf(instance)
    if (index >= 0) this.idle.splice(index, 1)
    if (this.onDrained) queueMicrotask(() => this.closeIfDrained())
  }

  /** Throws one environment away; its module instance is never used again. */
  private discard(instance: Instance): void {
    if (instance.dead) return
    this.forget(instance)
    this.post(instance.host, { type: 'drop', instance: instance.serial })
    this.refill()
  }

  /** The whole host is gone: every instance with it, and what ran on them fails like a crashed runtime. */
  private async killHost(host: Host, reason: string): Promise<void> {
    if (host.dead) return
    host.dead = true
    const interrupted: Running[] = []
    for (const instance of [...host.instances.values()]) {
      if (instance.running) interrupted.push(instance.running)
      instance.running = undefined
      this.forget(instance)
    }
    for (const init of host.inits.values())
      init.reject({ errorType: 'Runtime.ExitError', errorMessage: reason })
    host.inits.clear()
    for (const running of interrupted) {
      this.deadlines.cancel(running.timer)
      running.done({
        outcome: { kind: 'error', error: crashError(running.requestId, reason) },
        durationMs: performance.now() - running.started,
        status: 'crash',
      })
    }
    if (this.host === host) this.host = undefined
    this.refill()
    await host.channel.terminate()
  }
}

/**
 * Coverage tools (c8, vitest's autoAttachSubprocess) measure worker threads through NODE_V8_COVERAGE, which Node
 * reads from the thread's own environment (the function's, which lacks it), at start and again at exit: passed
 * on, the host thread is measured too. Function code sees it then: the one variable beyond its Lambda environment,
 * and only under such a tool.
 */
function withCoverageDirectory(environment: Record<string, string>): Record<string, string> {
  const directory = process.env.NODE_V8_COVERAGE
  if (!directory || environment.NODE_V8_COVERAGE !== undefined) return environment
  return { ...environment, NODE_V8_COVERAGE: directory }
}

function pipe(source: NodeJS.ReadableStream | null, target: Writable | null): void {
  if (!source) return
  if (target) source.pipe(target, { end: false })
  else source.resume()
}
