// The request log's account of each fault: a line when the fault is applied, then, once the API has recovered, a
// summary of what it answered meanwhile:
//
//   fault redis:freeze 5s: 14 requests → 503 ×12, 200 ×2; first 200 after 5.2 s (0.2 s after the thaw)
//
// A fault lasts from the moment it is applied until its end: at once for the instant ones (drop, expire-tokens,
// failover, a restart of a running server), after its duration for a freeze (a second freeze moves the thaw of
// both), and at the fault that undoes it for
// the others (a latency at `redis:latency off` or the next latency, a kill at `redis:restart`; anything at
// `redis:heal`). Its requests are those answered from its start until its recovery, the first 2xx of a request
// that began after the end (one in flight through the end proves nothing). Without one within
// `recoveryTimeoutMs` of the end, the summary says so; at exit, faults still open are summarised as they stand.

import { type Fault, formatFault } from './fault.js'

export interface FaultRequestLogOptions {
  /** Where the lines go (the runner's request log). */
  readonly print: (line: string) => void
  /** Milliseconds on a monotonic clock (default performance.now). */
  readonly now?: () => number
  /** How long after a fault's end its summary waits for a 2xx (default 60 s). */
  readonly recoveryTimeoutMs?: number
}

/** What the log needs of an answered request. */
export interface AnsweredRequest {
  readonly status: number
  /** How long it took: it began `ms` before it was answered. */
  readonly ms: number
}

interface Episode {
  readonly fault: Fault
  readonly label: string
  readonly start: number
  /** When its effect ended (possibly in the future, for a freeze); undefined while it lasts. */
  end: number | undefined
  /** What ended it, in the summary's parenthesis: `the thaw`, `redis:latency off`. */
  endedBy: string | undefined
  /** Statuses answered during it, and how many of each: statuses are numbers, never request input. */
  readonly statuses: Map<number, number>
  requests: number
  timer: NodeJS.Timeout | undefined
}

const DEFAULT_RECOVERY_TIMEOUT_MS = 60_000

const seconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`)

export class FaultRequestLog {
  readonly #print: (line: string) => void
  readonly #now: () => number
  readonly #recoveryTimeoutMs: number
  readonly #open = new Set<Episode>()

  constructor(options: FaultRequestLogOptions) {
    this.#print = options.print
    this.#now = options.now ?? (() => performance.now())
    this.#recoveryTimeoutMs = options.recoveryTimeoutMs ?? DEFAULT_RECOVERY_TIMEOUT_MS
  }

  /** The clock faults are timed on: read it before applying a fault, pass it to {@link applied}. */
  now(): number {
    return this.#now()
  }

  /**
   * A fault was applied (it began at `startedAt`, before the call that applied it, and that call has returned):
   * prints its line, ends the faults it undoes, and follows the requests until its recovery.
   */
  applied(fault: Fault, done: string, startedAt: number = this.#now()): void {
    const label = formatFault(fault)
    this.#print(`fault ${label}: ${done}`)
    const now = this.#now()
    const endsOthers = (kinds: readonly Fault['kind'][] | 'all', endedBy: string): number => {
      let ended = 0
      for (const episode of this.#open) {
        if (kinds !== 'all' && !kinds.includes(episode.fault.kind)) continue
        if (!this.#lasting(episode, now)) continue
        this.#end(episode, now, endedBy)
        ended++
      }
      return ended
    }
    switch (fault.kind) {
      case 'heal':
        endsOthers('all', label)
        return
      case 'latency':
        endsOthers(['latency'], label)
        if (fault.ms === 0) return
        this.#begin(fault, label, startedAt, undefined)
        return
      case 'restart':
        // After a kill, the restart is that fault's end, not a fault of its own.
        if (endsOthers(['kill', 'freeze'], label) > 0) return
        this.#begin(fault, label, startedAt, now)
        return
      case 'kill':
        this.#begin(fault, label, startedAt, undefined)
        return
      case 'failover':
        // After a kill, promoting the replica is what ends the outage: the endpoint leads to a live node again.
        endsOthers(['kill'], label)
        this.#begin(fault, label, startedAt, now)
        return
      case 'freeze': {
        // A freeze of a frozen server moves its thaw (LocalCache.freeze): the earlier freeze now ends there too.
        const thaw = startedAt + fault.ms
        for (const episode of this.#open) {
          if (episode.fault.kind === 'freeze' && this.#lasting(episode, now))
            this.#end(episode, thaw, 'the thaw')
        }
        this.#begin(fault, label, startedAt, thaw, 'the thaw')
        return
      }
      default:
        this.#begin(fault, label, startedAt, now)
    }
  }

  /** A request was answered (call it as each is logged). */
  request(request: AnsweredRequest): void {
    const now = this.#now()
    const began = now - request.ms
    for (const episode of this.#open) {
      episode.requests++
      episode.statuses.set(request.status, (episode.statuses.get(request.status) ?? 0) + 1)
      const recovered =
        request.status >= 200 &&
        request.status < 300 &&
        episode.end !== undefined &&
        episode.end <= now &&
        began >= episode.end
      if (recovered) this.#summarise(episode, `first ${request.status} after ${this.#after(episode, now)}`)
    }
  }

  /** Prints the summaries of the faults still open (the runner is stopping). */
  close(): void {
    const now = this.#now()
    for (const episode of [...this.#open]) {
      const state = this.#lasting(episode, now)
        ? 'still on at exit'
        : `no 2xx in the ${seconds(now - (episode.end as number))} after ${episode.endedBy} until exit`
      this.#summarise(episode, state)
    }
  }

  #lasting(episode: Episode, now: number): boolean {
    return episode.end === undefined || episode.end > now
  }

  #begin(fault: Fault, label: string, start: number, end: number | undefined, endedBy?: string): void {
    const episode: Episode = {
      fault,
      label,
      start,
      end: undefined,
      endedBy: undefined,
      statuses: new Map(),
      requests: 0,
      timer: undefined,
    }
    this.#open.add(episode)
    if (end !== undefined) this.#end(episode, end, endedBy ?? label)
  }

  /** The fault's effect ends at `at`: the wait for a recovery starts then. */
  #end(episode: Episode, at: number, endedBy: string): void {
    episode.end = at
    episode.endedBy = endedBy
    clearTimeout(episode.timer)
    const wait = Math.max(0, at - this.#now()) + this.#recoveryTimeoutMs
    episode.timer = setTimeout(
      () => this.#summarise(episode, `no 2xx within ${seconds(this.#recoveryTimeoutMs)} after ${endedBy}`),
      wait,
    )
    // A pending summary must never keep a stopping runner alive.
    episode.timer.unref?.()
  }

  /** `5.2 s (0.2 s after the thaw)`; the parenthesis only when the fault lasted long enough to tell them apart. */
  #after(episode: Episode, at: number): string {
    const end = episode.end as number
    const sinceStart = seconds(at - episode.start)
    return end - episode.start < 100
      ? sinceStart
      : `${sinceStart} (${seconds(at - end)} after ${episode.endedBy})`
  }

  #summarise(episode: Episode, outcome: string): void {
    if (!this.#open.delete(episode)) return
    clearTimeout(episode.timer)
    const counts = [...episode.statuses]
      .sort(([statusA, a], [statusB, b]) => b - a || statusA - statusB)
      .map(([status, count]) => `${status} ×${count}`)
    const requests =
      episode.requests === 0
        ? 'no requests'
        : `${episode.requests} request${episode.requests === 1 ? '' : 's'} → ${counts.join(', ')}`
    this.#print(`fault ${episode.label}: ${requests}; ${outcome}`)
  }
}
