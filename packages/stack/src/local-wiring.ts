// How cubewalk's functions meet the local stand-ins. The template's environment is kept; only what points
// at cloud-only things is replaced: the ElastiCache endpoint (TLS, IAM authentication) becomes the local
// Redis, and the tokens parameter is served by the local SSM endpoint. Variable names come from the
// handlers' own contract (packages/handlers/src/config.ts) and the stack's IAM auth variables.

import { ENV } from '../../handlers/src/config.js'
import type { FunctionModel } from '../../local/src/template/api-model.js'
import { DURABLE_WRITES_ENV, IAM_AUTH_ENV } from './handler-environment.js'

export interface LocalServices {
  redisUrl: string
}

/** The variables a function gets on top of (or instead of) its template environment; `null` removes one. */
export function localEnvironmentOverrides(
  fn: FunctionModel,
  services: LocalServices,
): Record<string, string | null> {
  const env = fn.environment
  const overrides: Record<string, string | null> = {}
  if (env[ENV.redisHost] !== undefined || env[ENV.redisUrl] !== undefined) {
    // Local Redis speaks plain TCP without ACL users: no TLS, no IAM token, standalone. It has no replica either,
    // so durable writes (WAIT for a replica) would answer every write with 503: off locally.
    for (const name of [
      DURABLE_WRITES_ENV.redisDurableReplicas,
      DURABLE_WRITES_ENV.redisDurableTimeoutMs,
      ENV.redisHost,
      ENV.redisPort,
      ENV.redisTls,
      ENV.redisCluster,
      IAM_AUTH_ENV.redisUsername,
      IAM_AUTH_ENV.redisIamAuthCacheName,
      IAM_AUTH_ENV.redisIamAuthServerless,
    ]) {
      overrides[name] = null
    }
    overrides[ENV.redisUrl] = services.redisUrl
  }
  return overrides
}

/** The SSM parameter names a function reads its tokens from (served locally with the local tokens). */
export function tokensParameterOf(fn: FunctionModel): string | undefined {
  return fn.environment[ENV.tokensParameterName]
}

/** A pattern the function itself checks tokens against, if any (the local token must pass it). */
export function tokenPatternOf(fn: FunctionModel): string | undefined {
  return fn.environment[ENV.tokenPattern]
}

/** The tokens parameter's value: the JSON map name -> token the authorizer expects. */
export function tokensParameterValue(tokens: readonly string[]): string {
  const map: Record<string, string> = {}
  tokens.forEach((token, i) => {
    map[i === 0 ? 'local' : `local-${i + 1}`] = token
  })
  return JSON.stringify(map)
}
