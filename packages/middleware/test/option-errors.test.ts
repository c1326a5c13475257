// Every configuration error names what is wrong, at construction, with its own error class: the message is the
// user's only hint, so each one is asserted in full. (Mutation testing found these branches unexecuted.)
import { describe, expect, it } from 'vitest'
import { elastiCacheIamAuth } from '../src/elasticache-iam.js'
import { jsonResponse } from '../src/json-response.js'
import { RedisPoolConfigError, redisPool } from '../src/redis-pool.js'
import { TokenAuthorizerConfigError, tokenAuthorizer } from '../src/token-authorizer.js'

const thrown = (build: () => unknown): Error => {
  try {
    build()
  } catch (error) {
    return error as Error
  }
  throw new Error('expected a configuration error')
}

describe('redisPool: configuration errors', () => {
  it.each([
    ['a url that is not a URL', { url: 'not a url' }, 'url is not a valid URL'],
    [
      'a url path that is no database number',
      { url: 'redis://cache.example:6379/zero' },
      'the url path must be a database number',
    ],
    ['a negative database', { host: 'cache.example', db: -1 }, 'db must be an integer ≥ 0'],
    ['a fractional database', { host: 'cache.example', db: 1.5 }, 'db must be an integer ≥ 0'],
    [
      'a password that is a number',
      { host: 'cache.example', password: 42 },
      'password must be a string or a function returning one',
    ],
    [
      'a seed node without a host',
      { host: 'a.example', cluster: true, nodes: [{ port: 7000 }] },
      'every node needs a host',
    ],
    [
      'a seed node with an empty host',
      { host: 'a.example', cluster: true, nodes: [{ host: '', port: 7000 }] },
      'every node needs a host',
    ],
    [
      'an empty contextKey',
      { host: 'cache.example', contextKey: '' },
      'contextKey must be a non-empty string',
    ],
    [
      'a contextKey that is not a string',
      { host: 'cache.example', contextKey: 7 },
      'contextKey must be a non-empty string',
    ],
  ])('%s', (_name, options, message) => {
    const error = thrown(() => redisPool({ disablePrefetch: true, ...options } as never))
    expect(error).toBeInstanceOf(RedisPoolConfigError)
    expect(error.message).toBe(`redisPool: ${message}`)
  })

  it('options that are not an object', () => {
    const error = thrown(() => redisPool(null as never))
    expect(error).toBeInstanceOf(RedisPoolConfigError)
    expect(error.message).toBe('redisPool: options must be an object with at least url or host')
  })

  it('a database in the url path is read as a number', () => {
    expect(() => redisPool({ url: 'redis://cache.example:6379/3', disablePrefetch: true })).not.toThrow()
  })
})

describe('tokenAuthorizer: configuration errors', () => {
  it.each([null, undefined, 'tokens'])('options %j that are not an object', (options) => {
    const error = thrown(() => tokenAuthorizer(options as never))
    expect(error).toBeInstanceOf(TokenAuthorizerConfigError)
    expect(error.message).toBe('tokenAuthorizer needs an options object')
  })
})

describe('elastiCacheIamAuth: configuration errors', () => {
  const valid = { cacheName: 'cubewalk-cache', userId: 'cubewalk-user', region: 'eu-west-1' }
  it.each([
    ['options that are not an object', null, 'options must be an object with cacheName and userId'],
    [
      'credentials that are a string',
      { ...valid, credentials: 'AKIDEXAMPLE' },
      'credentials must be an object or a function returning one',
    ],
    [
      'a clock that is not a function',
      { ...valid, now: new Date(0) },
      'now must be a function returning a Date',
    ],
  ])('%s', (_name, options, message) => {
    const error = thrown(() => elastiCacheIamAuth(options as never))
    expect(error).toBeInstanceOf(TypeError)
    expect(error.message).toBe(`elastiCacheIamAuth: ${message}`)
  })

  it('no region and an empty AWS_REGION', () => {
    const saved = process.env.AWS_REGION
    process.env.AWS_REGION = ''
    try {
      const error = thrown(() => elastiCacheIamAuth({ cacheName: 'cubewalk-cache', userId: 'cubewalk-user' }))
      expect(error).toBeInstanceOf(TypeError)
      expect(error.message).toBe('elastiCacheIamAuth: region is not set and AWS_REGION is empty')
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION
      else process.env.AWS_REGION = saved
    }
  })
})

describe('jsonResponse: configuration errors', () => {
  it('options that are not an object', () => {
    expect(() => jsonResponse(null as never)).toThrow('jsonResponse: options must be an object (or left out)')
  })
})
