// A worker thread stopped at a breakpoint cannot be terminated: Worker.terminate() waits for it as long as the
// debugger holds it (Node 24), and so would Ctrl-C and process.exit(). Before the runner terminates a function's
// worker while a debugger may be attached (`--inspect`), it reaches that worker through its own inspector session
// (the NodeWorker domain, as a debugger does), ends the worker's JavaScript and lets it run, so that the
// termination that follows completes at once.

import { Session } from 'node:inspector/promises'

/** Longest wait for the worker to acknowledge; past it the runner terminates the worker anyway. */
const RELEASE_TIMEOUT_MS = 1_000

interface WorkerMessage {
  sessionId: string
  message: string
}

export async function releaseFromDebugger(threadId: number): Promise<void> {
  const session = new Session()
  session.connect()
  try {
    let workerSession: string | undefined
    session.on('NodeWorker.attachedToWorker', ({ params }) => {
      if (params.workerInfo.workerId === String(threadId)) workerSession = params.sessionId
    })
    // Announces the workers already running, before it answers.
    await session.post('NodeWorker.enable', { waitForDebuggerOnStart: false })
    if (workerSession === undefined) return
    const sessionId = workerSession
    const commands = ['Debugger.enable', 'Runtime.terminateExecution', 'Debugger.resume']
    const acknowledged = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, RELEASE_TIMEOUT_MS)
      session.on('NodeWorker.receivedMessageFromWorker', ({ params }: { params: WorkerMessage }) => {
        if (params.sessionId !== sessionId) return
        if ((JSON.parse(params.message) as { id?: number }).id === commands.length) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    for (const [index, method] of commands.entries()) {
      await session.post('NodeWorker.sendMessageToWorker', {
        sessionId,
        message: JSON.stringify({ id: index + 1, method }),
      })
    }
    await acknowledged
  } finally {
    session.disconnect()
  }
}
