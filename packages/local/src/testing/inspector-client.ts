// A minimal Chrome DevTools Protocol client for tests of `--inspect`: what Chrome DevTools and VS Code do when they
// attach to the runner, over the inspector's WebSocket (Node's global WebSocket; node:inspector cannot attach to
// another process). Worker threads are reached the two ways Node offers: the NodeWorker domain (VS Code's way)
// and, under `node --experimental-worker-inspection`, the Target domain with flat sessions (Chrome DevTools').

type Params = Record<string, unknown>

export interface CdpEvent {
  method: string
  params: Params
}

/** One debugging session: the main thread's, or a worker thread's. */
export interface CdpSession {
  send<T = Params>(method: string, params?: Params): Promise<T>
  /** The first event, already received or to come, with this method that `accept` takes; each is taken once. */
  waitFor(method: string, accept?: (params: Params) => boolean, timeoutMs?: number): Promise<CdpEvent>
}

interface Message {
  id?: number
  method?: string
  params?: Params
  result?: Params
  error?: { message: string }
  sessionId?: string
}

interface Waiter {
  method: string
  accept: (params: Params) => boolean
  take: (event: CdpEvent) => void
}

const DEFAULT_WAIT_MS = 30_000

/** Commands in flight and events kept until a waiter takes them, so that one that came early is not missed. */
class SessionState implements CdpSession {
  private readonly pending = new Map<
    number,
    { resolve: (result: Params) => void; reject: (e: Error) => void }
  >()
  private readonly events: CdpEvent[] = []
  private readonly waiters = new Set<Waiter>()
  private nextId = 0
  private readonly write: (message: Message) => void

  constructor(write: (message: Message) => void) {
    this.write = write
  }

  send<T = Params>(method: string, params: Params = {}): Promise<T> {
    const id = ++this.nextId
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (result) => resolve(result as T), reject })
      this.write({ id, method, params })
    })
  }

  waitFor(method: string, accept: (params: Params) => boolean = () => true, timeoutMs = DEFAULT_WAIT_MS) {
    const index = this.events.findIndex((event) => event.method === method && accept(event.params))
    if (index >= 0) return Promise.resolve(this.events.splice(index, 1)[0] as CdpEvent)
    return new Promise<CdpEvent>((resolve, reject) => {
      const waiter: Waiter = {
        method,
        accept,
        take: (event) => {
          clearTimeout(timer)
          resolve(event)
        },
      }
      const timer = setTimeout(() => {
        this.waiters.delete(waiter)
        reject(new Error(`no ${method} event within ${timeoutMs} ms`))
      }, timeoutMs)
      timer.unref()
      this.waiters.add(waiter)
    })
  }

  receive(message: Message): void {
    if (message.id !== undefined) {
      const pending = this.pending.get(message.id)
      this.pending.delete(message.id)
      if (message.error) pending?.reject(new Error(`${message.error.message}`))
      else pending?.resolve(message.result ?? {})
      return
    }
    if (!message.method) return
    const event = { method: message.method, params: message.params ?? {} }
    for (const waiter of this.waiters) {
      if (waiter.method === event.method && waiter.accept(event.params)) {
        this.waiters.delete(waiter)
        waiter.take(event)
        return
      }
    }
    this.events.push(event)
  }

  failAll(error: Error): void {
    for (const pending of this.pending.values()) pending.reject(error)
    this.pending.clear()
  }
}

/** The connection to the runner's inspector; itself the main thread's session. */
export class InspectorClient implements CdpSession {
  private readonly socket: WebSocket
  private readonly main: SessionState
  /** Worker sessions by id: NodeWorker ones are wrapped in NodeWorker.sendMessageToWorker, Target ones are flat. */
  private readonly workers = new Map<string, SessionState>()
  private onAttach: ((session: CdpSession, params: Params) => Promise<void>) | undefined
  /** A failure of the attach callback, which runs on an event: rethrown by the main session's next waitFor. */
  private failure: Error | undefined

  private constructor(socket: WebSocket) {
    this.socket = socket
    this.main = new SessionState((message) => socket.send(JSON.stringify(message)))
    socket.addEventListener('message', (event: MessageEvent) => this.receive(JSON.parse(String(event.data))))
    socket.addEventListener('close', () => {
      const closed = new Error('inspector connection closed')
      this.main.failAll(closed)
      for (const worker of this.workers.values()) worker.failAll(closed)
    })
  }

  /** Connects to the `ws://…` URL the runner prints (`Debugger listening on …`). */
  static connect(url: string): Promise<InspectorClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url)
      socket.addEventListener('open', () => resolve(new InspectorClient(socket)), { once: true })
      socket.addEventListener('error', () => reject(new Error(`cannot connect to ${url}`)), { once: true })
    })
  }

  send<T = Params>(method: string, params: Params = {}): Promise<T> {
    return this.main.send<T>(method, params)
  }

  async waitFor(method: string, accept?: (params: Params) => boolean, timeoutMs?: number): Promise<CdpEvent> {
    if (this.failure) throw this.failure
    return await this.main.waitFor(method, accept, timeoutMs)
  }

  /**
   * Attaches to every worker thread, as VS Code does: through the NodeWorker domain (`domain: 'NodeWorker'`), or
   * through the Target domain with flat sessions as Chrome DevTools does (`'Target'`, which needs
   * `node --experimental-worker-inspection`). Workers wait for `onWorker` (set breakpoints there) before they run.
   */
  async attachWorkers(
    domain: 'NodeWorker' | 'Target',
    onWorker: (worker: CdpSession, params: Params) => Promise<void>,
  ): Promise<void> {
    this.onAttach = onWorker
    if (domain === 'NodeWorker') await this.send('NodeWorker.enable', { waitForDebuggerOnStart: true })
    else
      await this.send('Target.setAutoAttach', {
        autoAttach: true,
        waitForDebuggerOnStart: true,
        flatten: true,
      })
  }

  close(): void {
    this.socket.close()
  }

  private receive(message: Message): void {
    if (message.sessionId !== undefined) {
      this.workers.get(message.sessionId)?.receive(message)
      return
    }
    switch (message.method) {
      case 'NodeWorker.attachedToWorker': {
        const sessionId = message.params?.sessionId as string
        const session = new SessionState((inner) =>
          this.socket.send(
            // Its own answer (id 0) says only that the message was passed on; the worker answers the inner id.
            JSON.stringify({
              id: 0,
              method: 'NodeWorker.sendMessageToWorker',
              params: { sessionId, message: JSON.stringify(inner) },
            }),
          ),
        )
        this.attached(sessionId, session, message.params ?? {})
        return
      }
      case 'NodeWorker.receivedMessageFromWorker': {
        const sessionId = message.params?.sessionId as string
        this.workers.get(sessionId)?.receive(JSON.parse(message.params?.message as string) as Message)
        return
      }
      case 'Target.attachedToTarget': {
        const sessionId = message.params?.sessionId as string
        const session = new SessionState((inner) => this.socket.send(JSON.stringify({ ...inner, sessionId })))
        this.attached(sessionId, session, message.params ?? {})
        return
      }
    }
    this.main.receive(message)
  }

  private attached(sessionId: string, session: SessionState, params: Params): void {
    this.workers.set(sessionId, session)
    // A worker that waited for the debugger stops at its first statement once released; debuggers go on from
    // there by themselves (registered first, so this waiter takes that pause before any of the caller's).
    session
      .waitFor('Debugger.paused', (paused) => paused.reason === 'Break on start', 60_000)
      .then(() => session.send('Debugger.resume'))
      .catch(() => {})
    const start = async () => {
      try {
        await this.onAttach?.(session, params)
      } finally {
        // Released even when the caller's setup failed: a worker left waiting would hang the runner.
        if (params.waitingForDebugger) await session.send('Runtime.runIfWaitingForDebugger')
      }
    }
    start().catch((error: unknown) => {
      this.failure = error instanceof Error ? error : new Error(String(error))
    })
  }
}
