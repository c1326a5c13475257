import { ENV } from '@cubewalk/handlers/config'
import type { Duration } from 'aws-cdk-lib'
import type { Cache } from './cache.js'
import type { DurableWritesSetting } from './durable-writes.js'

/**
 * The ElastiCache IAM authentication variables of the blocks function (names from the handlers' contract). No
 * password is ever configured: with these set, the function signs a fresh IAM token on every connect
 * (@cubewalk/middleware/elasticache-iam). Grouped here for the local wiring, which keeps them for the faithful
 * local cache and removes them for the plain one.
 */
export const IAM_AUTH_ENV = {
  /** ElastiCache user id = ACL user name sent with AUTH. */
  redisUsername: ENV.redisUsername,
  /** Replication group id or serverless cache name: the host of the signed token. Set = IAM auth on. */
  redisIamAuthCacheName: ENV.redisIamAuthCacheName,
  /** `true` when the cache is ElastiCache Serverless (the token then carries ResourceType=ServerlessCache). */
  redisIamAuthServerless: ENV.redisIamAuthServerless,
} as const

/**
 * The blocks function's durable-writes variables; the local wiring removes them when the local cache has fewer
 * replicas than they ask for (the plain cache has none).
 */
export const DURABLE_WRITES_ENV = {
  redisDurableReplicas: ENV.redisDurableReplicas,
  redisDurableTimeoutMs: ENV.redisDurableTimeoutMs,
} as const

export interface BlocksEnvironmentProps {
  readonly cache: Cache
  readonly corsAllowOrigins: readonly string[]
  /** Writes wait for replica confirmation; undefined = off. */
  readonly durableWrites?: DurableWritesSetting | undefined
}

/** What the blocks function reads (packages/handlers/src/config.ts), for the cache this stack built. */
export const blocksEnvironment = ({
  cache,
  corsAllowOrigins,
  durableWrites,
}: BlocksEnvironmentProps): Record<string, string> => ({
  ...(durableWrites === undefined
    ? {}
    : {
        [DURABLE_WRITES_ENV.redisDurableReplicas]: String(durableWrites.replicas),
        [DURABLE_WRITES_ENV.redisDurableTimeoutMs]: String(durableWrites.timeout.toMilliseconds()),
      }),
  [ENV.redisHost]: cache.endpointAddress,
  [ENV.redisPort]: cache.endpointPort,
  [ENV.redisTls]: 'true',
  [ENV.redisCluster]: String(cache.clusterMode),
  [ENV.corsAllowedOrigins]: corsAllowOrigins.join(','),
  [ENV.redisUsername]: cache.userId,
  [ENV.redisIamAuthCacheName]: cache.cacheId,
  [ENV.redisIamAuthServerless]: String(cache.serverless),
})

export interface AuthorizerEnvironmentProps {
  readonly tokensParameterName: string
  readonly tokensCacheTtl: Duration
  readonly tokenPattern: string
}

/**
 * Both functions: write metrics (EMF) to the stack's own namespace with the API's id as `ApiId`, the dimension the
 * stack's access log metrics use, so the alarms and the dashboard find them (packages/stack/src/monitoring).
 */
export const metricsEnvironment = (namespace: string, restApiId: string): Record<string, string> => ({
  [ENV.metricsNamespace]: namespace,
  [ENV.metricsApiId]: restApiId,
})

/** What the authorizer reads: where the tokens are, how long to reuse them, and the shape a token must have. */
export const authorizerEnvironment = (props: AuthorizerEnvironmentProps): Record<string, string> => ({
  [ENV.tokensParameterName]: props.tokensParameterName,
  [ENV.tokensCacheTtlSeconds]: String(props.tokensCacheTtl.toSeconds()),
  [ENV.tokenPattern]: props.tokenPattern,
})
