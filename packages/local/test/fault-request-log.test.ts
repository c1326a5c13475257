// The request log's account of each fault, on a fake clock: the line when it is applied, then the statuses the
// API answered from its start to its recovery (the first 2xx of a request begun after the fault's end), or what
// was seen by the recovery timeout or at exit.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FaultRequestLog } from '../src/faults/fault-request-log.js'

let lines: string[]
let log: FaultRequestLog

beforeEach(() => {
  vi.useFakeTimers()
  lines = []
  log = new FaultRequestLog({
    print: (line) => lines.push(line),
    now: () => Date.now(),
    recoveryTimeoutMs: 30_000,
  })
})
afterEach(() => {
  vi.useRealTimers()
})

/** Advances the clock by `ms`, then answers a request that took `took` ms with `status`. */
const answer = (ms: number, status: number, took = 5) => {
  vi.advanceTimersByTime(ms)
  log.request({ status, ms: took })
}

describe('FaultRequestLog', () => {
  it('summarises a timed fault at its first recovery after the end', () => {
    const start = log.now()
    vi.advanceTimersByTime(20) // applying it took 20 ms
    log.applied({ kind: 'freeze', ms: 5000 }, 'redis-server frozen for 5s', start)
    expect(lines).toEqual(['fault redis:freeze 5s: redis-server frozen for 5s'])
    for (let i = 0; i < 10; i++) answer(480, 503, 500)
    answer(100, 200) // a 200 before the thaw: counted, not a recovery
    expect(lines).toHaveLength(1)
    answer(100, 503, 500) // 5.02 s: answered after the thaw, but begun before it
    expect(lines).toHaveLength(1)
    answer(180, 200, 30) // 5.2 s, begun at 5.17 s
    expect(lines[1]).toBe(
      'fault redis:freeze 5s: 13 requests → 503 ×11, 200 ×2; first 200 after 5.2 s (200 ms after the thaw)',
    )
    // Done: later requests belong to no fault.
    answer(100, 503)
    expect(lines).toHaveLength(2)
  })

  it('ends a latency at redis:latency off, which is no fault of its own', () => {
    const start = log.now()
    log.applied({ kind: 'latency', ms: 800 }, 'every command reaches Redis 800ms later', start)
    answer(600, 503, 560)
    answer(600, 503, 560)
    vi.advanceTimersByTime(1000)
    log.applied({ kind: 'latency', ms: 0 }, 'latency removed')
    answer(300, 200, 40)
    expect(lines).toEqual([
      'fault redis:latency 800ms: every command reaches Redis 800ms later',
      'fault redis:latency off: latency removed',
      'fault redis:latency 800ms: 3 requests → 503 ×2, 200 ×1; first 200 after 2.5 s (300 ms after redis:latency off)',
    ])
  })

  it('summarises an instant fault from the first 2xx, without the parenthesis', () => {
    log.applied({ kind: 'drop' }, 'closed 4 client connections')
    answer(50, 503)
    answer(1250, 401)
    answer(10, 201)
    expect(lines.at(-1)).toBe('fault redis:drop: 3 requests → 201 ×1, 401 ×1, 503 ×1; first 201 after 1.3 s')
  })

  it('orders statuses by count, then by status', () => {
    log.applied({ kind: 'expire-tokens' }, 'expired')
    for (const status of [503, 500, 503, 500, 429, 503]) answer(10, status)
    answer(10, 204)
    expect(lines.at(-1)).toBe(
      'fault redis:expire-tokens: 7 requests → 503 ×3, 500 ×2, 204 ×1, 429 ×1; first 204 after 70 ms',
    )
  })

  it('says so when no 2xx came within the timeout after the end', () => {
    log.applied({ kind: 'drop' }, 'closed 0 client connections')
    answer(10_000, 503)
    vi.advanceTimersByTime(19_999)
    expect(lines).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(lines[1]).toBe('fault redis:drop: 1 request → 503 ×1; no 2xx within 30.0 s after redis:drop')
    log.applied({ kind: 'failover' }, 'promoted')
    vi.advanceTimersByTime(30_000)
    expect(lines[3]).toBe('fault redis:failover: no requests; no 2xx within 30.0 s after redis:failover')
  })

  it("times a freeze's recovery timeout from the thaw, not from the start", () => {
    log.applied({ kind: 'freeze', ms: 10_000 }, 'frozen')
    vi.advanceTimersByTime(39_999)
    expect(lines).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(lines[1]).toBe('fault redis:freeze 10s: no requests; no 2xx within 30.0 s after the thaw')
  })

  it('ends a kill at the restart, which then is no fault of its own; a restart alone is one', () => {
    log.applied({ kind: 'kill' }, 'killed')
    answer(100, 503)
    // A kill has no end of its own: no timeout while Redis stays down.
    vi.advanceTimersByTime(120_000)
    expect(lines).toHaveLength(1)
    log.applied({ kind: 'restart' }, 'restarted')
    answer(500, 200)
    expect(lines.slice(1)).toEqual([
      'fault redis:restart: restarted',
      'fault redis:kill: 2 requests → 200 ×1, 503 ×1; first 200 after 120.6 s (500 ms after redis:restart)',
    ])
    lines.length = 0
    const start = log.now()
    vi.advanceTimersByTime(400) // the restart took 400 ms
    log.applied({ kind: 'restart' }, 'restarted', start)
    answer(100, 200)
    expect(lines).toEqual([
      'fault redis:restart: restarted',
      'fault redis:restart: 1 request → 200 ×1; first 200 after 500 ms (100 ms after redis:restart)',
    ])
  })

  it('ends a kill at a failover (the endpoint leads to the promoted replica), which is followed on its own', () => {
    log.applied({ kind: 'kill' }, 'killed')
    answer(100, 503)
    answer(100, 503)
    log.applied({ kind: 'failover' }, 'promoted')
    answer(300, 200)
    expect(lines.slice(2)).toEqual([
      'fault redis:kill: 3 requests → 503 ×2, 200 ×1; first 200 after 500 ms (300 ms after redis:failover)',
      'fault redis:failover: 1 request → 200 ×1; first 200 after 300 ms',
    ])
  })

  it('follows overlapping faults each on its own; heal ends all that last', () => {
    log.applied({ kind: 'latency', ms: 800 }, 'slow')
    log.applied({ kind: 'kill' }, 'killed')
    answer(100, 503)
    log.applied({ kind: 'heal' }, 'healed')
    answer(100, 200)
    expect(lines.slice(3)).toEqual([
      'fault redis:latency 800ms: 2 requests → 200 ×1, 503 ×1; first 200 after 200 ms (100 ms after redis:heal)',
      'fault redis:kill: 2 requests → 200 ×1, 503 ×1; first 200 after 200 ms (100 ms after redis:heal)',
    ])
  })

  it('a new latency replaces the last one: the old one ends there', () => {
    log.applied({ kind: 'latency', ms: 200 }, 'slow')
    answer(1000, 200)
    log.applied({ kind: 'latency', ms: 900 }, 'slower')
    answer(1000, 503)
    vi.advanceTimersByTime(30_000)
    expect(lines).toEqual([
      'fault redis:latency 200ms: slow',
      'fault redis:latency 900ms: slower',
      'fault redis:latency 200ms: 2 requests → 200 ×1, 503 ×1; no 2xx within 30.0 s after redis:latency 900ms',
    ])
  })

  it('a freeze while frozen moves the thaw, earlier or later, for both freezes', () => {
    log.applied({ kind: 'freeze', ms: 5000 }, 'frozen for 5s')
    answer(1000, 503, 900)
    log.applied({ kind: 'freeze', ms: 8000 }, 'frozen for 8s') // thaws at 9 s, not 5 s
    answer(4500, 503, 900) // 5.5 s: past the first's planned thaw, still frozen
    answer(4000, 200, 300) // 9.5 s, begun at 9.2 s
    log.applied({ kind: 'freeze', ms: 30_000 }, 'frozen for 30s')
    answer(1000, 503, 900)
    log.applied({ kind: 'freeze', ms: 500 }, 'frozen for 500ms') // thaws sooner than planned
    answer(1000, 200, 100)
    expect(lines.filter((line) => line.includes('→'))).toEqual([
      'fault redis:freeze 5s: 3 requests → 503 ×2, 200 ×1; first 200 after 9.5 s (500 ms after the thaw)',
      'fault redis:freeze 8s: 2 requests → 200 ×1, 503 ×1; first 200 after 8.5 s (500 ms after the thaw)',
      'fault redis:freeze 30s: 2 requests → 200 ×1, 503 ×1; first 200 after 2.0 s (500 ms after the thaw)',
      'fault redis:freeze 500ms: 1 request → 200 ×1; first 200 after 1.0 s (500 ms after the thaw)',
    ])
  })

  it('summarises at exit what is still open', () => {
    log.applied({ kind: 'latency', ms: 900 }, 'slow')
    answer(1000, 503)
    log.applied({ kind: 'drop' }, 'dropped')
    answer(2000, 503)
    log.close()
    expect(lines.slice(2)).toEqual([
      'fault redis:latency 900ms: 2 requests → 503 ×2; still on at exit',
      'fault redis:drop: 1 request → 503 ×1; no 2xx in the 2.0 s after redis:drop until exit',
    ])
    log.close()
    expect(lines).toHaveLength(4)
  })
})
