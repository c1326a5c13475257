// What the command line runs beside a runner for faults on demand: the control endpoint, applying each fault it
// receives to the runner's cache and telling the request log, which then follows the API through the fault.

import { applyFault, type FaultTarget } from './apply-fault.js'
import { startControlServer } from './control-server.js'
import { formatFault } from './fault.js'
import { type AnsweredRequest, FaultRequestLog } from './fault-request-log.js'

export interface FaultControl {
  /** The control endpoint, for local-runner.json. */
  readonly url: string
  /** Every answered request, as the request log prints it. */
  request(request: AnsweredRequest): void
  /** Stops the endpoint and prints the summaries of faults still open. */
  close(): Promise<void>
}

export async function startFaultControl(
  target: FaultTarget,
  print: (line: string) => void,
  options: { readonly recoveryTimeoutMs?: number } = {},
): Promise<FaultControl> {
  const log = new FaultRequestLog({ print, ...options })
  const server = await startControlServer({
    applyFault: async (fault) => {
      const startedAt = log.now()
      try {
        const outcome = await applyFault(target, fault)
        log.applied(outcome.fault, outcome.done, startedAt)
        return outcome
      } catch (error) {
        // The runner's terminal shows refused faults too: the developer may be watching only that one.
        print(`fault ${formatFault(fault)} not applied: ${(error as Error).message}`)
        throw error
      }
    },
  })
  return {
    url: server.url,
    request: (request) => log.request(request),
    close: () => {
      log.close()
      return server.close()
    },
  }
}
