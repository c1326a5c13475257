// Which errors the pool turns into a 503, entry by entry: every socket code, every ioredis message and every
// server reply the pool counts as "Redis unavailable", the near misses it must not, and the one kind (a command
// that got no answer) after which it also drops the connection. Mutation testing (docs/middleware.md) showed that
// dropping any single entry of these lists went unnoticed before.
import middy from '@middy/core'
import createError from 'http-errors'
import { ReplyError } from 'ioredis'
import { afterEach, describe, expect, inject, it } from 'vitest'
import { closeRedisPool, isRedisUnavailableError, redisPool } from '../src/redis-pool.js'
import { errorLogs, lambdaWith } from './support/invoke.js'

const withCode = (code: unknown, message = 'boom'): Error => Object.assign(new Error(message), { code })

const unavailableCodes = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  // Any TLS failure of Node's own (ERR_TLS_*), e.g. a certificate for another host name.
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
]

// The messages ioredis's client-side failures carry (fixed strings in ioredis 5 and 6), as ioredis completes them.
const unavailableMessages = [
  'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
  'Connection is closed.',
  'Command timed out',
  "Socket timeout. Expecting data, but didn't receive any in 500ms.",
  "Stream isn't writeable and enableOfflineQueue options is false",
  "Cluster isn't ready and enableOfflineQueue options is false",
  'Cluster is ended.',
  'Cluster is disconnected.',
  'Connection is aborted',
  'Connection is discarded because a new connection is made',
  'Command aborted due to connection close',
  'Failed to refresh slots cache.',
  'None of startup nodes is available',
  'Too many Cluster redirections. Last error: Error: connect ECONNREFUSED',
]

describe('isRedisUnavailableError: the lists, entry by entry', () => {
  it.each(unavailableCodes)('code %s is unavailable', (code) => {
    expect(isRedisUnavailableError(withCode(code))).toBe(true)
  })

  it.each([
    'ENOENT',
    'EACCES',
    'EINVAL',
    'ERR_INVALID_ARG_TYPE',
    'ERR_TLS',
    'err_tls_cert_altname_invalid',
    'XERR_TLS_CERT_ALTNAME_INVALID',
    'econnrefused',
    '',
  ])('any other string code (%j) is not', (code) => {
    expect(isRedisUnavailableError(withCode(code))).toBe(false)
  })

  it('a code that is not a string is not a socket code', () => {
    expect(isRedisUnavailableError(withCode(111))).toBe(false)
    expect(isRedisUnavailableError(withCode(['ECONNREFUSED']))).toBe(false)
    // ...but the message still counts.
    expect(isRedisUnavailableError(withCode(111, 'Connection is closed.'))).toBe(true)
  })

  it.each(unavailableMessages)('message %j is unavailable', (message) => {
    expect(isRedisUnavailableError(new Error(message))).toBe(true)
  })

  it.each(unavailableMessages)('message %j counts only at the start', (message) => {
    expect(isRedisUnavailableError(new Error(`handler: ${message}`))).toBe(false)
  })

  it('an empty message, or one that is not a string, is not unavailable (and does not throw)', () => {
    expect(isRedisUnavailableError(new Error(''))).toBe(false)
    const odd = new Error('x')
    Object.defineProperty(odd, 'message', { value: 42 })
    expect(isRedisUnavailableError(odd)).toBe(false)
  })

  it('only replies that mean "not now" are unavailable, matched as a whole word', () => {
    for (const word of [
      'READONLY',
      'CLUSTERDOWN',
      'TRYAGAIN',
      'LOADING',
      'MASTERDOWN',
      'NOAUTH',
      'WRONGPASS',
      'UNBLOCKED',
    ]) {
      expect(isRedisUnavailableError(new ReplyError(`${word} now`)), word).toBe(true)
      expect(isRedisUnavailableError(new ReplyError(`${word}X now`)), `${word}X`).toBe(false)
      expect(isRedisUnavailableError(new ReplyError(`ERR ${word}`)), `ERR ${word}`).toBe(false)
    }
  })

  it('a server reply is judged by its reply word only, never by the client-side messages', () => {
    // A reply can't be a lost connection, whatever its text says.
    expect(isRedisUnavailableError(new ReplyError('Connection is closed.'))).toBe(false)
    // An error named ReplyError by another copy of ioredis (ioredis 6's SimpleError sets the literal name).
    const foreign = Object.assign(new Error('Connection is closed.'), { name: 'ReplyError' })
    expect(isRedisUnavailableError(foreign)).toBe(false)
    expect(isRedisUnavailableError(Object.assign(new Error('LOADING x'), { name: 'ReplyError' }))).toBe(true)
  })

  it('HTTP errors are never Redis errors, whatever they carry', () => {
    for (const error of [
      createError(503, 'Connection is closed.'),
      Object.assign(new Error('Connection is closed.'), { statusCode: 502 }),
      Object.assign(new Error('Command timed out'), { status: 504 }),
      Object.assign(withCode('ECONNREFUSED'), { statusCode: 500 }),
      Object.assign(withCode('ECONNREFUSED'), { status: 500 }),
    ]) {
      expect(isRedisUnavailableError(error), error.message).toBe(false)
    }
  })

  it('a status that is not a number does not make an HTTP error', () => {
    expect(isRedisUnavailableError(Object.assign(withCode('ECONNREFUSED'), { status: '503' }))).toBe(true)
    expect(isRedisUnavailableError(Object.assign(withCode('ECONNREFUSED'), { statusCode: '503' }))).toBe(true)
  })

  it('values that are not Errors are not Redis errors', () => {
    for (const value of [
      { code: 'ECONNREFUSED', message: 'Connection is closed.' },
      'Connection is closed.',
      undefined,
      null,
    ]) {
      expect(isRedisUnavailableError(value)).toBe(false)
    }
  })
})

describe('redisPool onError: 503 for unavailable errors, and a fresh connection after a command got no answer', () => {
  afterEach(async () => {
    await closeRedisPool()
  })

  /** A pool Lambda whose handler reports its connection's id and then throws what the event says. */
  const lambda = () =>
    lambdaWith(redisPool({ url: inject('redisUrl') }), async (event, context) => {
      const id = await context.redis.client('ID')
      const { throwMessage } = event as { throwMessage?: string }
      if (throwMessage !== undefined) throw new Error(throwMessage)
      return id
    })

  /** The connection id after a failed invocation that threw `message`, compared with the one before. */
  const idsAround = async (message: string): Promise<{ status: number; before: unknown; after: unknown }> => {
    const invoke = lambda()
    const before = (await invoke()).body
    const failed = await invoke(6000, { throwMessage: message })
    const after = (await invoke()).body
    return { status: failed.statusCode, before, after }
  }

  it.each(['Command timed out', "Socket timeout. Expecting data, but didn't receive any in 500ms."])(
    '%j: 503, and the next invocation has a new connection',
    async (message) => {
      const { status, before, after } = await idsAround(message)
      expect(status).toBe(503)
      expect(typeof before).toBe('number')
      expect(after).not.toBe(before)
    },
  )

  it.each([
    'Connection is closed.',
    'Command timed out, said the handler',
    'Reached the max retries per request limit (which is 1).',
  ])('%j: 503, and the connection is kept', async (message) => {
    const { status, before, after } = await idsAround(message)
    expect(status).toBe(503)
    expect(after).toBe(before)
  })

  it('an application error stays a 500 and keeps the connection', async () => {
    const { status, before, after } = await idsAround('no such block')
    expect(status).toBe(500)
    expect(after).toBe(before)
    expect(errorLogs.at(-1)).toMatchObject({ statusCode: 500, error: { message: 'no such block' } })
  })

  it('the 503 is an http-errors shaped error with the original as cause, hiding its message', async () => {
    const cause = new Error('Connection is closed.')
    const lambdaWithoutResponse = middy()
      .use(redisPool({ url: inject('redisUrl') }))
      .handler(async () => {
        throw cause
      })
    const error = await lambdaWithoutResponse({}, {} as never).then(
      () => undefined,
      (thrown: unknown) => thrown,
    )
    expect(createError.isHttpError(error)).toBe(true)
    expect(error).toMatchObject({
      name: 'ServiceUnavailableError',
      message: 'Service Unavailable',
      status: 503,
      statusCode: 503,
      expose: false,
      cause,
    })
  })

  it('an error another onError middleware already answered is left alone', async () => {
    const cause = new Error('Connection is closed.')
    const answered = { statusCode: 418, body: 'teapot' }
    const errorsSeenLast: unknown[] = []
    const handled = middy()
      // middy runs onError last-used first: the teapot answers, then the pool, then this recorder.
      .use({
        onError: (request) => {
          errorsSeenLast.push(request.error)
        },
      })
      .use(redisPool({ url: inject('redisUrl') }))
      .use({
        onError: (request) => {
          request.response = answered
        },
      })
      .handler(async () => {
        throw cause
      })
    expect(await handled({}, {} as never)).toBe(answered)
    expect(errorsSeenLast).toEqual([cause])
  })
})
