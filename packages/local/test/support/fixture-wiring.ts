// The fixture app's wiring, as an application passes its own to @cubewalk/local: the echo function's cache
// endpoint (TLS, IAM auth) becomes the local Redis, and the authorizers' tokens parameter holds the local tokens.
// Also a `--wiring` module for the command line tests.

import type { LocalWiring, SeededParameter } from '../../src/index.js'

const CLOUD_ONLY_REDIS = [
  'REDIS_HOST',
  'REDIS_PORT',
  'REDIS_TLS',
  'REDIS_USERNAME',
  'REDIS_IAM_AUTH_CACHE_NAME',
]

export const wiring: LocalWiring = {
  environment(fn, services) {
    const overrides: Record<string, string | null> = Object.create(null)
    if (fn.environment.REDIS_HOST === undefined || services.redisUrl === undefined) return overrides
    for (const name of CLOUD_ONLY_REDIS) overrides[name] = null
    overrides.REDIS_URL = services.redisUrl
    return overrides
  },
  parameters(model, tokens) {
    const seeded: SeededParameter[] = []
    const value = JSON.stringify(Object.fromEntries(tokens.map((token, i) => [`local-${i + 1}`, token])))
    for (const fn of model.functions.values()) {
      const name = fn.environment.TOKENS_PARAMETER_NAME
      if (name) seeded.push({ name, value, type: 'SecureString' })
    }
    return seeded
  },
}
