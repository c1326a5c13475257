// The banner's line about the faithful cache: where functions reach it and what of ElastiCache it emulates.

import type { LocalCache } from '../services/cache-front/local-cache.js'

export function describeCache(cache: LocalCache): string {
  const { front, shape, redis } = cache
  const traits = [
    shape.serverless ? 'serverless' : 'node-based',
    front.tls ? 'TLS' : 'no TLS',
    ...shape.users.map((user) => `user ${user.userName}${user.authentication === 'iam' ? ' (IAM)' : ''}`),
    ...(shape.clusterMode ? ['cluster protocol'] : []),
    // Durable writes wait for replicas: whether any exists locally decides whether they stay on.
    ...(cache.replicas > 0 ? [`${cache.replicas} replica${cache.replicas === 1 ? '' : 's'}`] : []),
  ]
  return (
    `${front.tls ? 'rediss' : 'redis'}://${front.host}:${front.port}   (${shape.cacheName}: ${traits.join(', ')}; ` +
    `redis-server ${redis.host}:${redis.port}, emptied at exit)`
  )
}
