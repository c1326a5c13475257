// Timeouts for many short-lived invocations without one timer each: a single interval, running only while
// something is pending, fires whatever has passed its deadline. Precision is the sweep period, far below the
// timeouts it serves (an integration's 29 s, a function's seconds).
//
// Pending deadlines form a doubly linked list whose removed entries are unlinked completely. Not a Set or a
// Map on purpose: under constant add/delete V8 rehashes their tables, and an obsolete table keeps pointing
// at its successor and at the entries it held. Once one of those tables reaches the old generation, that
// chain keeps every later table, and through each deadline's callback every request in flight, alive through
// young-generation collections until the next full GC. Measured on the runner's HTTP thread under load: about
// a third of all allocation survived each scavenge that way.

export class Deadline {
  readonly at: number
  /** @internal */ fire: (() => void) | undefined
  /** @internal */ prev: Deadline | undefined = undefined
  /** @internal */ next: Deadline | undefined = undefined

  constructor(at: number, fire: () => void) {
    this.at = at
    this.fire = fire
  }
}

export class Deadlines {
  private head: Deadline | undefined
  private tail: Deadline | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly periodMs: number
  private readonly now: () => number

  constructor(periodMs = 20, now: () => number = () => performance.now()) {
    this.periodMs = periodMs
    this.now = now
  }

  /** Calls `fire` once `ms` have passed, unless cancelled first. */
  add(ms: number, fire: () => void): Deadline {
    const deadline = new Deadline(this.now() + ms, fire)
    if (this.tail) {
      this.tail.next = deadline
      deadline.prev = this.tail
    } else {
      this.head = deadline
    }
    this.tail = deadline
    if (!this.timer) {
      this.timer = setInterval(() => this.sweep(), this.periodMs)
      this.timer.unref()
    }
    return deadline
  }

  /** Forgets a deadline; a no-op for one already fired or cancelled. */
  cancel(deadline: Deadline | undefined): void {
    if (!deadline?.fire) return
    this.unlink(deadline)
  }

  /** How many are pending (walks the list: for tests and diagnostics, not for hot paths). */
  get size(): number {
    let count = 0
    for (let d = this.head; d; d = d.next) count++
    return count
  }

  private unlink(deadline: Deadline): void {
    const { prev, next } = deadline
    if (prev) prev.next = next
    else this.head = next
    if (next) next.prev = prev
    else this.tail = prev
    deadline.prev = undefined
    deadline.next = undefined
    deadline.fire = undefined
  }

  private sweep(): void {
    const now = this.now()
    let deadline = this.head
    while (deadline) {
      if (deadline.at > now) {
        deadline = deadline.next
        continue
      }
      const fire = deadline.fire as () => void
      this.unlink(deadline)
      fire()
      // The callback may have cancelled or added others: start over rather than trust a stale `next`.
      deadline = this.head
    }
    if (!this.head && this.timer) {
      clearInterval(this.timer)
      this.timer = undefined
    }
  }
}
