import { describe, expect, it } from 'vitest'
import { ConfigError, readAuthorizerConfig, readBlocksConfig } from '../src/config.js'

describe('readAuthorizerConfig', () => {
  it('reads the parameter name, the TTL (default 300 s) in ms, and an optional pattern', () => {
    expect(readAuthorizerConfig({ TOKENS_PARAMETER_NAME: '/p' })).toEqual({
      tokensParameterName: '/p',
      tokensCacheExpiryMs: 300_000,
      tokenPattern: undefined,
    })
    const config = readAuthorizerConfig({
      TOKENS_PARAMETER_NAME: '/p',
      TOKENS_CACHE_TTL_SECONDS: '0',
      TOKEN_PATTERN: '^a+$',
    })
    expect(config.tokensCacheExpiryMs).toBe(0)
    expect(config.tokenPattern?.test('aaa')).toBe(true)
    // The largest TTL stays a duration: @middy/ssm reads cacheExpiry above 86,400,000 ms as a timestamp.
    expect(
      readAuthorizerConfig({ TOKENS_PARAMETER_NAME: '/p', TOKENS_CACHE_TTL_SECONDS: '86400' })
        .tokensCacheExpiryMs,
    ).toBe(86_400_000)
  })

  it.each([
    [{}, /TOKENS_PARAMETER_NAME must name/],
    [
      { TOKENS_PARAMETER_NAME: '/p', TOKENS_CACHE_TTL_SECONDS: '-1' },
      /TOKENS_CACHE_TTL_SECONDS must be an integer from 0 to 86400/,
    ],
    [{ TOKENS_PARAMETER_NAME: '/p', TOKENS_CACHE_TTL_SECONDS: '86401' }, /from 0 to 86400/],
    [{ TOKENS_PARAMETER_NAME: '/p', TOKENS_CACHE_TTL_SECONDS: '5m' }, /from 0 to 86400/],
    [{ TOKENS_PARAMETER_NAME: '/p', TOKEN_PATTERN: '(' }, /TOKEN_PATTERN is not a valid regular expression/],
  ])('refuses %j', (env, message) => {
    expect(() => readAuthorizerConfig(env)).toThrow(ConfigError)
    expect(() => readAuthorizerConfig(env)).toThrow(message)
  })
})

describe('readBlocksConfig', () => {
  it('reads a URL for local runs', () => {
    expect(readBlocksConfig({ REDIS_URL: 'redis://127.0.0.1:6379' })).toEqual({
      redis: { url: 'redis://127.0.0.1:6379', cluster: false },
      iamAuth: undefined,
      corsOrigins: ['*'],
    })
  })

  it('reads what the stack sets for ElastiCache: host, port, TLS, cluster mode, IAM auth, CORS origins', () => {
    const config = readBlocksConfig({
      REDIS_HOST: 'master.cubewalk.abc123.euw1.cache.amazonaws.com',
      REDIS_PORT: '6379',
      REDIS_TLS: 'true',
      REDIS_CLUSTER: 'true',
      REDIS_USERNAME: 'cubewalk-blocks',
      REDIS_IAM_AUTH_CACHE_NAME: 'cubewalk-cache',
      REDIS_IAM_AUTH_SERVERLESS: 'false',
      REDIS_CONNECT_TIMEOUT_MS: '1000',
      REDIS_COMMAND_TIMEOUT_MS: '800',
      CORS_ALLOWED_ORIGINS: 'https://game.example, https://beta.game.example',
    })
    expect(config).toEqual({
      redis: {
        host: 'master.cubewalk.abc123.euw1.cache.amazonaws.com',
        port: 6379,
        tls: true,
        cluster: true,
        username: 'cubewalk-blocks',
        connectTimeout: 1000,
        commandTimeout: 800,
      },
      iamAuth: { cacheName: 'cubewalk-cache', userId: 'cubewalk-blocks', serverless: false },
      corsOrigins: ['https://game.example', 'https://beta.game.example'],
    })
  })

  it.each([
    [{}, /REDIS_HOST or REDIS_URL must point/],
    [{ REDIS_HOST: 'h', REDIS_PORT: '70000' }, /REDIS_PORT must be an integer from 1 to 65535/],
    [{ REDIS_HOST: 'h', REDIS_TLS: 'yes' }, /REDIS_TLS must be true or false/],
    [{ REDIS_HOST: 'h', REDIS_CLUSTER: 'on' }, /REDIS_CLUSTER must be true or false/],
    [
      { REDIS_HOST: 'h', REDIS_IAM_AUTH_CACHE_NAME: 'c' },
      /REDIS_USERNAME must be set with REDIS_IAM_AUTH_CACHE_NAME/,
    ],
  ])('refuses %j', (env, message) => {
    expect(() => readBlocksConfig(env)).toThrow(message)
  })
})
