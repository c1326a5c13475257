// ProcessTimeDeadline on a fake clock: when it expires for a budget or a wall-clock deadline that falls between
// two of its 25 ms checks, how often it wakes the process, and a cancel() that comes during the last look (an
// answer read in that final poll of the sockets) winning over the expiry. The redis-pool busy-loop tests cover a
// stalled event loop on the real clock.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ProcessTimeDeadline } from '../src/redis-pool/process-time-deadline.js'

beforeEach(() => {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'],
  })
})
afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

/** A deadline whose expiry is recorded, and the delays of the timers it set. */
function deadline(budgetMs: number, wallDeadlineFromNow = Number.POSITIVE_INFINITY) {
  const delays: number[] = []
  const fakeSetTimeout = globalThis.setTimeout
  vi.spyOn(globalThis, 'setTimeout').mockImplementation(((callback: () => void, ms: number) => {
    delays.push(ms)
    return fakeSetTimeout(callback, ms)
  }) as typeof setTimeout)
  let expired = 0
  const instance = new ProcessTimeDeadline(budgetMs, performance.now() + wallDeadlineFromNow, () => expired++)
  return { instance, delays, expired: () => expired }
}

describe('ProcessTimeDeadline', () => {
  it('expires once an idle process has spent the budget: a check every 25 ms, then one for the rest', () => {
    const { delays, expired } = deadline(60)
    vi.advanceTimersByTime(59)
    expect(expired()).toBe(0)
    vi.advanceTimersByTime(100)
    expect(expired()).toBe(1)
    expect(delays).toEqual([25, 25, 10])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('expires at the wall-clock deadline when that comes first, between two checks', () => {
    const { delays, expired } = deadline(1_000, 40)
    vi.advanceTimersByTime(39)
    expect(expired()).toBe(0)
    vi.advanceTimersByTime(100)
    expect(expired()).toBe(1)
    expect(delays).toEqual([25, 15])
  })

  it('cancelled before it is due: never expires, and leaves no timer', () => {
    const { instance, expired } = deadline(60)
    vi.advanceTimersByTime(30)
    instance.cancel()
    instance.cancel()
    expect(vi.getTimerCount()).toBe(0)
    vi.advanceTimersByTime(1_000)
    expect(expired()).toBe(0)
  })

  it('cancelled during its last look (after the budget was spent, before the immediate ran): never expires', () => {
    const { instance, expired } = deadline(25)
    // Runs the check at 25 ms, which finds the budget spent and leaves the sockets one last poll.
    vi.advanceTimersToNextTimer()
    expect(expired()).toBe(0)
    instance.cancel()
    vi.runAllTimers()
    expect(expired()).toBe(0)
  })
})
