/**
 * How often a running deadline looks at the clock, in ms. A stall of the event loop is measured from the moment a
 * check was due, so a stall that starts mid-slice is under-counted by at most this much; checks only run while
 * something is still waiting on Redis.
 */
const sliceMs = 25

/**
 * A timeout counted in time the process actually had, not in wall-clock time.
 *
 * Node runs expired timers before it polls sockets, so after the event loop was blocked (a synchronous burst of
 * work, a thread the OS did not schedule, a 128 MB Lambda throttled to a small share of a vCPU during its cold
 * start) a wall-clock timer fires although the answer is already waiting in the socket. This deadline instead
 * checks the clock every {@link sliceMs} ms and does not count the time by which a check ran late: that time the
 * process could not have read any answer. When `budgetMs` of the remaining time are spent, or the wall-clock
 * `wallDeadline` (a `performance.now()` instant, e.g. the Lambda's own deadline) has come, it lets the sockets be
 * polled once more (`setImmediate` runs after the poll phase) and calls `expire` unless the owner cancelled it
 * meanwhile. The owner cancels it as soon as what it waits for settles: an answer read in that last poll cancels
 * it before the immediate runs.
 *
 * A dead Redis keeps the process idle, so checks run on time and `expire` comes after `budgetMs` (plus about 1 ms
 * per check of timer granularity).
 */
export class ProcessTimeDeadline {
  private readonly budgetMs: number
  private readonly wallDeadline: number
  private readonly expire: () => void
  private readonly started: number
  /** Time the process did not have: the sum of how late each check ran. */
  private stalled = 0
  private due: number
  private timer: NodeJS.Timeout | undefined
  private cancelled = false

  constructor(budgetMs: number, wallDeadline: number, expire: () => void) {
    this.budgetMs = budgetMs
    this.wallDeadline = wallDeadline
    this.expire = expire
    this.started = performance.now()
    this.due = this.started
    this.schedule(this.started)
  }

  /** Stops the deadline; `expire` will not be called. Safe to call more than once. */
  readonly cancel = (): void => {
    this.cancelled = true
    clearTimeout(this.timer)
  }

  private schedule(now: number): void {
    const left = Math.min(
      sliceMs,
      this.budgetMs - (now - this.started - this.stalled),
      this.wallDeadline - now,
    )
    this.due = now + left
    // Node measures a new timer from the loop's cached time, which can be stale after a long synchronous task, so
    // the timer may fire early; check() then simply schedules the rest.
    this.timer = setTimeout(this.check, Math.max(1, Math.ceil(left)))
  }

  // Only a scheduled timer calls it, and cancel() clears that timer.
  private readonly check = (): void => {
    const now = performance.now()
    this.stalled += Math.max(0, now - this.due)
    if (now - this.started - this.stalled >= this.budgetMs || now >= this.wallDeadline) {
      setImmediate(this.lastLook)
      return
    }
    this.schedule(now)
  }

  private readonly lastLook = (): void => {
    if (!this.cancelled) this.expire()
  }
}
