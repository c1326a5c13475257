// Timeouts for many short-lived invocations without one timer each: a single interval, running only while
// something is pending, fires whatever has passed its deadline. Precision is the sweep period, far below the
// timeouts it serves (an integration's 29 s, a function's seconds).

export interface Deadline {
  readonly at: number
  readonly fire: () => void
}

export class Deadlines {
  private readonly pending = new Set<Deadline>()
  private timer: NodeJS.Timeout | undefined
  private readonly periodMs: number

  constructor(periodMs = 20) {
    this.periodMs = periodMs
  }

  /** Calls `fire` once `ms` have passed, unless cancelled first. */
  add(ms: number, fire: () => void): Deadline {
    const deadline: Deadline = { at: performance.now() + ms, fire }
    this.pending.add(deadline)
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.periodMs)
      this.timer.unref()
    }
    return deadline
  }

  cancel(deadline: Deadline | undefined): void {
    if (deadline) this.pending.delete(deadline)
  }

  private sweep(): void {
    const now = performance.now()
    for (const deadline of this.pending) {
      if (deadline.at > now) continue
      this.pending.delete(deadline)
      deadline.fire()
    }
    if (this.pending.size === 0 && this.timer) {
      clearInterval(this.timer)
      this.timer = undefined
    }
  }
}
