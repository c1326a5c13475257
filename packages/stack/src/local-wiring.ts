// How cubewalk's functions meet the local stand-ins of @cubewalk/local (docs/local.md). The template's
// environment is kept; only what points at cloud-only things is replaced. With the faithful cache (npm start's
// default) the ElastiCache endpoint, TLS, user and IAM variables stay as deployed: the runner resolves the endpoint
// to its cache front, which speaks TLS, checks the IAM tokens and applies the user's ACL. With the plain cache they
// become a bare REDIS_URL. The tokens parameter, served by the local SSM endpoint, holds the local tokens. Variable
// names come from the handlers' own contract (@cubewalk/handlers/config) and the stack's IAM auth variables.

import { ENV } from '@cubewalk/handlers/config'
import type {
  FunctionModel,
  FunctionSource,
  LocalServices,
  LocalWiring,
  SeededParameter,
} from '@cubewalk/local'
import {
  HANDLER_CONSTRUCT_IDS,
  type HandlerName,
  handlerEntryPoint,
  handlerEsbuildOptions,
} from './handler-bundling.js'
import { DURABLE_WRITES_ENV, IAM_AUTH_ENV } from './handler-environment.js'

/** The variables a function gets on top of (or instead of) its template environment; `null` removes one. */
export function localEnvironmentOverrides(
  fn: FunctionModel,
  services: LocalServices,
): Record<string, string | null> {
  const env = fn.environment
  const overrides: Record<string, string | null> = {}
  if (services.cache !== undefined) {
    // Durable writes wait for replicas (WAIT); a cache with fewer than asked would answer every write with 503.
    const wanted = Number(env[DURABLE_WRITES_ENV.redisDurableReplicas] ?? 0)
    if (wanted > services.cache.replicas) {
      overrides[DURABLE_WRITES_ENV.redisDurableReplicas] = null
      overrides[DURABLE_WRITES_ENV.redisDurableTimeoutMs] = null
    }
    return overrides
  }
  // No local Redis only when the template has no cache: the function then keeps its template's endpoint.
  if (
    services.redisUrl !== undefined &&
    (env[ENV.redisHost] !== undefined || env[ENV.redisUrl] !== undefined)
  ) {
    // The plain cache speaks plain TCP without ACL users: no TLS, no IAM token, standalone. It has no replica either,
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

/**
 * For `--watch`: a handler's function (`<stack>/Blocks/Function/Resource`) is rebuilt from the handler's entry with
 * the options NodejsFunction bundled it with (@cubewalk/handlers/bundling), so the rebuilt bundle is the synthesized
 * one's equal. Other functions (the tokens parameter's provider) change only with a new synth.
 */
export function handlerSource(fn: FunctionModel): FunctionSource | undefined {
  const [, id, child, resource, ...rest] = fn.cdkPath?.split('/') ?? []
  if (child !== 'Function' || resource !== 'Resource' || rest.length > 0) return undefined
  const name = (Object.keys(HANDLER_CONSTRUCT_IDS) as HandlerName[]).find(
    (handler) => HANDLER_CONSTRUCT_IDS[handler] === id,
  )
  if (!name) return undefined
  return { kind: 'esbuild', entry: handlerEntryPoint(name), options: handlerEsbuildOptions() }
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

/** cubewalk's wiring, handed to @cubewalk/local by `npm start` (bin/start.mjs) and the stack's tests. */
export const cubewalkWiring: LocalWiring = {
  environment: localEnvironmentOverrides,
  functionSource: handlerSource,
  parameters(model, tokens) {
    const seeded: SeededParameter[] = []
    for (const fn of model.functions.values()) {
      const name = tokensParameterOf(fn)
      if (name) seeded.push({ name, value: tokensParameterValue(tokens), type: 'SecureString' })
    }
    return seeded
  },
  checkTokens(model, tokens) {
    const warnings: string[] = []
    for (const fn of model.functions.values()) {
      const pattern = tokenPatternOf(fn)
      if (!pattern) continue
      const regex = new RegExp(`^(?:${pattern})$`)
      for (const token of tokens) {
        if (!regex.test(token))
          warnings.push(`token "${token}" does not match ${fn.logicalId}'s TOKEN_PATTERN`)
      }
    }
    return warnings
  },
}
