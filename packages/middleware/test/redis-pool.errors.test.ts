// isRedisUnavailableError must classify ioredis's errors the same way after minification. A minifier (esbuild
// `minify`, CDK NodejsFunction `minify: true`) renames classes, and ioredis and redis-errors derive `name` from the
// constructor, so in a minified bundle a MaxRetriesPerRequestError is called something like `Ke`. Each case here
// builds the real ioredis error class, then a subclass renamed the way a minifier renames it, and expects the same
// answer for both. (The synthesized bundles themselves are checked in packages/stack/test/artifact.)
import { createRequire } from 'node:module'
import { ReplyError } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { isWrongPasswordReply } from '../src/redis-pool/errors.js'
import { RedisNotReadyError } from '../src/redis-pool/pool.js'
import { isRedisUnavailableError } from '../src/redis-pool.js'

type ErrorClass = new (...args: never[]) => Error

// ioredis's entry point exports only ReplyError; the other classes are loaded from its files (and redis-errors from
// where ioredis resolves it), so the test holds the very classes ioredis throws.
const requireFromHere = createRequire(import.meta.url)
const requireFromIoredis = createRequire(requireFromHere.resolve('ioredis'))
const redisErrors = requireFromIoredis('redis-errors') as Record<
  'RedisError' | 'ReplyError' | 'AbortError',
  ErrorClass
>
const MaxRetriesPerRequestError = (
  requireFromHere('ioredis/built/errors/MaxRetriesPerRequestError.js') as { default: ErrorClass }
).default
const ClusterAllFailedError = (
  requireFromHere('ioredis/built/errors/ClusterAllFailedError.js') as { default: ErrorClass }
).default
const { SimpleError, BlobError } = requireFromHere('ioredis/built/resp/errors.js') as Record<
  'SimpleError' | 'BlobError',
  ErrorClass
>

/** What a minifier does to a class: same prototype chain, a short meaningless name. */
const minified = (Class: ErrorClass, shortName: string): ErrorClass => {
  const Renamed = class extends Class {}
  Object.defineProperty(Renamed, 'name', { value: shortName })
  return Renamed
}

const literalNames = new Set(['ReplyError', 'RedisNotReadyError'])

type Make = (Class: ErrorClass) => Error
const make =
  (...args: unknown[]): Make =>
  (Class) =>
    new Class(...(args as never[]))

// [kind, class ioredis throws, how ioredis builds it, unavailable?]
const cases: Array<[string, ErrorClass, Make, boolean]> = [
  ['MaxRetriesPerRequestError (retries exhausted)', MaxRetriesPerRequestError, make(1), true],
  [
    'ClusterAllFailedError (slots refresh failed)',
    ClusterAllFailedError,
    make('Failed to refresh slots cache.', new Error('connect ECONNREFUSED')),
    true,
  ],
  [
    'AbortError (command aborted by a closed connection)',
    redisErrors.AbortError,
    make('Command aborted due to connection close'),
    true,
  ],
  ['AbortError (cluster ended)', redisErrors.AbortError, make('Cluster is ended.'), true],
  ['RedisError (cluster connect aborted)', redisErrors.RedisError, make('Connection is aborted'), true],
  [
    'RedisError (cluster connect discarded)',
    redisErrors.RedisError,
    make('Connection is discarded because a new connection is made'),
    true,
  ],
  ['RedisNotReadyError (ours: connect budget spent)', RedisNotReadyError, make(500, undefined), true],
  ...replyCases(),
  // Not availability: the application's own mistakes stay theirs (500 or whatever the handler makes of them).
  [
    'AbortError (CROSSSLOT)',
    redisErrors.AbortError,
    make('Possible CROSSSLOT error: All channels must hash to the same slot'),
    false,
  ],
]

function replyCases(): Array<[string, ErrorClass, Make, boolean]> {
  const replies: Array<[string, boolean]> = [
    ["READONLY You can't write against a read only replica.", true],
    ['CLUSTERDOWN The cluster is down', true],
    ['TRYAGAIN Multiple keys request during rehashing of slot', true],
    ['LOADING Redis is loading the dataset in memory', true],
    ['MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no', true],
    ['NOAUTH Authentication required.', true],
    ['WRONGPASS invalid username-password pair or user is disabled.', true],
    ['UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)', true],
    ['WRONGTYPE Operation against a key holding the wrong kind of value', false],
    ["ERR unknown command 'NOPE'", false],
    ['NOSCRIPT No matching script. Please use EVAL.', false],
  ]
  // ioredis 6 decodes error replies as SimpleError / BlobError; ioredis 5's parser throws redis-errors' ReplyError.
  const classes: Array<[string, ErrorClass]> = [
    ['SimpleError', SimpleError],
    ['BlobError', BlobError],
    ['ReplyError (ioredis 5)', redisErrors.ReplyError],
  ]
  return classes.flatMap(([className, Class]) =>
    replies.map(([message, unavailable]): [string, ErrorClass, Make, boolean] => [
      `${className} ${message.split(' ')[0]}`,
      Class,
      make(message),
      unavailable,
    ]),
  )
}

describe('isRedisUnavailableError: ioredis errors, as built and as minified', () => {
  it('ioredis exports the ReplyError every error reply extends', () => {
    for (const Class of [SimpleError, BlobError, redisErrors.ReplyError]) {
      expect(new Class('READONLY x' as never)).toBeInstanceOf(ReplyError)
    }
  })

  it.each(cases)('%s', (_kind, Class, build, unavailable) => {
    const original = build(Class)
    const renamed = build(minified(Class, 'Ke'))
    // The simulation took: the renamed error no longer carries its class name. The exceptions set `name` to a
    // string literal, which a minifier keeps: ioredis 6's SimpleError/BlobError ('ReplyError') and ours.
    if (!literalNames.has(original.name)) expect(renamed.name).not.toBe(original.name)
    expect(renamed.message).toBe(original.message)
    expect({
      original: isRedisUnavailableError(original),
      renamed: isRedisUnavailableError(renamed),
    }).toEqual({
      original: unavailable,
      renamed: unavailable,
    })
  })

  it('does not take a reply-like message for a reply when no server sent it', () => {
    // A READONLY text in an application error is not a failover; only a server reply is.
    expect(isRedisUnavailableError(new Error("READONLY You can't write against a read only replica."))).toBe(
      false,
    )
  })
})

describe('isWrongPasswordReply: the server refused the credentials, and nothing else', () => {
  it('is a WRONGPASS reply only', () => {
    expect(
      isWrongPasswordReply(new ReplyError('WRONGPASS invalid username-password pair or user is disabled.')),
    ).toBe(true)
    // ioredis 6's replies, as another copy of it builds them: named ReplyError.
    const copied = Object.assign(new Error('WRONGPASS invalid username-password pair'), {
      name: 'ReplyError',
    })
    expect(isWrongPasswordReply(copied)).toBe(true)
    expect(isWrongPasswordReply(new ReplyError('NOAUTH Authentication required.'))).toBe(false)
    expect(
      isWrongPasswordReply(new ReplyError('ERR AUTH <password> called without any password configured')),
    ).toBe(false)
    // A client-side error that merely mentions it, and things that are no errors at all.
    expect(isWrongPasswordReply(new Error('WRONGPASS'))).toBe(false)
    expect(isWrongPasswordReply({ name: 'ReplyError', message: 'WRONGPASS x' })).toBe(false)
    expect(isWrongPasswordReply('WRONGPASS')).toBe(false)
  })
})
