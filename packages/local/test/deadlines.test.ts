// The sweep that times out invocations and integrations: fires what is due, never what was cancelled, copes
// with callbacks that cancel or add others, stops its interval when idle, and lets go of finished callbacks.

import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Deadlines } from '../src/lambda/deadlines.js'

describe('Deadlines', () => {
  let clock = 0
  const now = () => clock

  beforeEach(() => {
    vi.useFakeTimers()
    clock = 0
  })
  afterEach(() => {
    vi.useRealTimers()
  })

  function advance(ms: number): void {
    clock += ms
    vi.advanceTimersByTime(ms)
  }

  it('fires each deadline once, after its time, in a sweep period', () => {
    const deadlines = new Deadlines(20, now)
    const fired: string[] = []
    deadlines.add(100, () => fired.push('a'))
    deadlines.add(50, () => fired.push('b'))
    advance(40)
    expect(fired).toEqual([])
    advance(20)
    expect(fired).toEqual(['b'])
    advance(40)
    expect(fired).toEqual(['b', 'a'])
    advance(200)
    expect(fired).toEqual(['b', 'a'])
    expect(deadlines.size).toBe(0)
  })

  it('never fires a cancelled deadline, and cancelling twice or after firing is harmless', () => {
    const deadlines = new Deadlines(20, now)
    const fired: string[] = []
    const a = deadlines.add(50, () => fired.push('a'))
    const b = deadlines.add(50, () => fired.push('b'))
    const c = deadlines.add(50, () => fired.push('c'))
    deadlines.cancel(b)
    deadlines.cancel(b)
    expect(deadlines.size).toBe(2)
    advance(60)
    expect(fired).toEqual(['a', 'c'])
    deadlines.cancel(a)
    deadlines.cancel(c)
    deadlines.cancel(undefined)
    expect(deadlines.size).toBe(0)
  })

  it('respects a callback that cancels another due deadline or adds a new one', () => {
    const deadlines = new Deadlines(20, now)
    const fired: string[] = []
    let second: ReturnType<Deadlines['add']> | undefined
    deadlines.add(10, () => {
      fired.push('first')
      deadlines.cancel(second)
      deadlines.add(100, () => fired.push('added'))
    })
    second = deadlines.add(10, () => fired.push('second'))
    deadlines.add(10, () => fired.push('third'))
    advance(20)
    expect(fired).toEqual(['first', 'third'])
    advance(100)
    expect(fired).toEqual(['first', 'third', 'added'])
  })

  it('runs its interval only while something is pending', () => {
    const deadlines = new Deadlines(20, now)
    expect(vi.getTimerCount()).toBe(0)
    const d = deadlines.add(1000, () => {})
    expect(vi.getTimerCount()).toBe(1)
    deadlines.cancel(d)
    advance(20)
    expect(vi.getTimerCount()).toBe(0)
    deadlines.add(10, () => {})
    advance(20)
    expect(vi.getTimerCount()).toBe(0)
  })
})

describe('Deadlines and the garbage collector', () => {
  it('a cancelled deadline no longer holds its callback or its neighbours', async () => {
    setFlagsFromString('--expose-gc')
    const gc = runInNewContext('gc') as () => void
    const deadlines = new Deadlines(20)
    const refs: WeakRef<object>[] = []
    const kept = []
    for (let i = 0; i < 3; i++) {
      const request = { payload: 'x'.repeat(1000) }
      refs.push(new WeakRef(request))
      kept.push(deadlines.add(60_000, () => void request.payload))
    }
    for (const deadline of kept) deadlines.cancel(deadline)
    // WeakRef targets stay alive until the job that created them ends.
    await new Promise((resolve) => setTimeout(resolve, 0))
    gc()
    // The caller still holds the Deadline objects; what they captured must be collectable all the same.
    expect(kept).toHaveLength(3)
    expect(refs.map((ref) => ref.deref())).toEqual([undefined, undefined, undefined])
  })
})
