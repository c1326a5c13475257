// keepAuthenticated on its own, with a stand-in connection and fake timers: the timing and the races a real
// server rarely shows (a connection that stops being ready while the password provider runs, a provider that
// returns no string or throws a non-Error). redis-pool.reauth.test.ts covers the real AUTH on a live server.
import { EventEmitter } from 'node:events'
import type { Redis } from 'ioredis'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { keepAuthenticated } from '../src/redis-pool/reauthentication.js'

class FakeConnection extends EventEmitter {
  status = 'connecting'
  readonly auths: string[][] = []
  readonly errors: Error[] = []
  /** What AUTH does besides being recorded: by default the server accepts it. */
  onAuth: () => void = () => {}

  constructor() {
    super()
    this.on('error', (error: Error) => this.errors.push(error))
  }

  async auth(...args: string[]): Promise<'OK'> {
    this.auths.push(args)
    this.onAuth()
    return 'OK'
  }

  becomeReady(): void {
    this.status = 'ready'
    this.emit('ready')
  }
}

function watch(provider: () => Promise<unknown>, username: string | undefined, afterMs: number) {
  const connection = new FakeConnection()
  keepAuthenticated(connection as unknown as Redis, provider as () => Promise<string>, username, afterMs)
  return connection
}

/** ioredis's reply to a refused AUTH: a ReplyError. */
function replyError(message: string): Error {
  return Object.assign(new Error(message), { name: 'ReplyError' })
}

beforeEach(() => {
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('keepAuthenticated', () => {
  it('sends AUTH username password afterMs after ready, then again afterMs after each success', async () => {
    let n = 0
    const connection = watch(async () => `token-${++n}`, 'iam-user', 1_000)
    connection.becomeReady()
    await vi.advanceTimersByTimeAsync(999)
    expect(connection.auths).toEqual([])
    await vi.advanceTimersByTimeAsync(1)
    expect(connection.auths).toEqual([['iam-user', 'token-1']])
    await vi.advanceTimersByTimeAsync(1_000)
    expect(connection.auths).toEqual([
      ['iam-user', 'token-1'],
      ['iam-user', 'token-2'],
    ])
    expect(connection.errors).toEqual([])
  })

  it('without a username, AUTH carries the password alone', async () => {
    const connection = watch(async () => 'fresh-password', undefined, 500)
    connection.becomeReady()
    await vi.advanceTimersByTimeAsync(500)
    expect(connection.auths).toEqual([['fresh-password']])
  })

  it('a provider that returns no string: an error on the connection, no AUTH, retried within a minute', async () => {
    const provider = vi.fn(async (): Promise<unknown> => 42)
    const connection = watch(provider, 'u', 3_600_000)
    connection.becomeReady()
    await vi.advanceTimersByTimeAsync(3_600_000)
    expect(connection.auths).toEqual([])
    expect(connection.errors.map((e) => [e.name, e.message])).toEqual([
      ['TypeError', 'the password provider must return a string'],
    ])
    provider.mockResolvedValue('recovered')
    await vi.advanceTimersByTimeAsync(60_000)
    expect(connection.auths).toEqual([['u', 'recovered']])
  })

  it('a provider that throws a non-Error: reported as an Error carrying its text', async () => {
    const connection = watch(() => Promise.reject('credentials expired'), 'u', 1_000)
    connection.becomeReady()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(connection.errors).toHaveLength(1)
    expect(connection.errors[0]).toBeInstanceOf(Error)
    expect(connection.errors[0]?.message).toBe('credentials expired')
  })

  it('a connection that is no longer ready gets no AUTH, and no timer is left armed', async () => {
    const provider = vi.fn(async () => 'p')
    const connection = watch(provider, 'u', 1_000)
    connection.becomeReady()
    connection.status = 'reconnecting'
    await vi.advanceTimersByTimeAsync(1_000)
    expect(provider).not.toHaveBeenCalled()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a connection that stops being ready while the provider runs gets no AUTH from it', async () => {
    let release: (password: string) => void = () => {}
    const connection = watch(() => new Promise<string>((resolve) => (release = resolve)), 'u', 1_000)
    connection.becomeReady()
    await vi.advanceTimersByTimeAsync(1_000)
    connection.status = 'reconnecting'
    release('late')
    await vi.advanceTimersByTimeAsync(0)
    expect(connection.auths).toEqual([])
    expect(vi.getTimerCount()).toBe(0)
  })

  it('a failure on a connection that then closed arms nothing; close and end drop the timer', async () => {
    const connection = watch(
      async () => {
        connection.status = 'end'
        throw new Error('provider failed')
      },
      'u',
      1_000,
    )
    connection.becomeReady()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(connection.errors.map((e) => e.message)).toEqual(['provider failed'])
    expect(vi.getTimerCount()).toBe(0)

    for (const event of ['close', 'end']) {
      connection.becomeReady()
      expect(vi.getTimerCount()).toBe(1)
      connection.emit(event)
      expect(vi.getTimerCount()).toBe(0)
    }
  })

  it('a second ready while a timer is armed replaces it: one AUTH, one timer', async () => {
    const connection = watch(async () => 'token', 'u', 1_000)
    connection.becomeReady()
    await vi.advanceTimersByTimeAsync(500)
    connection.becomeReady()
    expect(vi.getTimerCount()).toBe(1)
    await vi.advanceTimersByTimeAsync(1_000)
    expect(connection.auths).toEqual([['u', 'token']])
  })

  it('never keeps the process alive: its timers are unref()ed', async () => {
    const timers: NodeJS.Timeout[] = []
    const fakeSetTimeout = globalThis.setTimeout
    vi.spyOn(globalThis, 'setTimeout').mockImplementation(((...args: Parameters<typeof setTimeout>) => {
      const timer = fakeSetTimeout(...args)
      timers.push(timer)
      return timer
    }) as typeof setTimeout)
    const connection = watch(async () => 'token', 'u', 1_000)
    connection.becomeReady()
    await vi.advanceTimersByTimeAsync(1_000)
    vi.restoreAllMocks()
    expect(connection.auths).toHaveLength(1)
    expect(timers).toHaveLength(2)
    for (const timer of timers) expect(timer.hasRef()).toBe(false)
  })

  it('a connection that closes while its AUTH is answered arms nothing', async () => {
    const connection = watch(async () => 'token', 'u', 1_000)
    connection.onAuth = () => {
      connection.status = 'end'
    }
    connection.becomeReady()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(connection.auths).toHaveLength(1)
    expect(vi.getTimerCount()).toBe(0)
  })

  it.each([
    ['WRONGPASS from the server', () => replyError('WRONGPASS invalid username-password pair'), ['stale']],
    ['another reply error', () => replyError('ERR max number of clients reached'), []],
    ['a closed connection', () => new Error('WRONGPASS-looking but not a reply'), []],
  ])(
    're-AUTH refused with %s: the provider hears of that password only for WRONGPASS',
    async (_name, error, heard) => {
      const refused: string[] = []
      const provider = Object.assign(async () => 'stale', {
        refused: (password: string) => refused.push(password),
      })
      const connection = watch(provider, 'u', 1_000)
      connection.onAuth = () => {
        throw error()
      }
      connection.becomeReady()
      await vi.advanceTimersByTimeAsync(1_000)
      expect(refused).toEqual(heard)
      expect(connection.errors).toHaveLength(1)
    },
  )

  it('a provider that fails is no refused password: nothing to tell it', async () => {
    const refused: string[] = []
    const provider = Object.assign(
      async () => {
        throw replyError('WRONGPASS from somewhere else')
      },
      { refused: (password: string) => refused.push(password) },
    )
    const connection = watch(provider, 'u', 1_000)
    connection.becomeReady()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(refused).toEqual([])
    expect(connection.errors.map((error) => error.message)).toEqual(['WRONGPASS from somewhere else'])
  })

  it('a provider without refused(): a WRONGPASS is reported on the connection all the same', async () => {
    const connection = watch(async () => 'stale', 'u', 1_000)
    connection.onAuth = () => {
      throw replyError('WRONGPASS invalid username-password pair')
    }
    connection.becomeReady()
    await vi.advanceTimersByTimeAsync(1_000)
    expect(connection.errors.map((error) => error.message)).toEqual([
      'WRONGPASS invalid username-password pair',
    ])
  })
})
