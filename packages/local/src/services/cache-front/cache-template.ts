// What the local cache emulates, read from the template as ElastiCache would read it: the cache (a node-based
// replication group or a serverless cache), whether it encrypts in transit and speaks the cluster protocol, and the
// users of its user group with their access strings and authentication modes.

import type { IntrinsicResolver } from '../../template/intrinsics.js'
import { type CfnTemplate, isRecord } from '../../template/template-types.js'

export interface CacheUserShape {
  readonly userId: string
  readonly userName: string
  /** The ACL rules, as ElastiCache applies them (a subset of Redis ACL syntax). */
  readonly accessString: string
  readonly authentication: 'iam' | 'password' | 'no-password-required'
  /** For password users: the template's passwords, when they are literals. */
  readonly passwords: readonly string[]
}

export interface CacheShape {
  readonly logicalId: string
  /** Replication group id or serverless cache name: what IAM tokens are signed for. */
  readonly cacheName: string
  readonly serverless: boolean
  /** Clients speak the cluster protocol (serverless caches, replication groups with cluster mode enabled). */
  readonly clusterMode: boolean
  readonly transitEncryption: boolean
  /** Replicas the deployed cache has (0 for serverless: it hides them). */
  readonly replicas: number
  /** Users of the cache's user groups; empty = the default user only, with no password (no access control). */
  readonly users: readonly CacheUserShape[]
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined

const flag = (value: unknown): boolean => value === true || value === 'true'

/** The caches of `template` (most templates have one), with what each needs emulated. */
export function readCacheShapes(template: CfnTemplate, resolver: IntrinsicResolver): CacheShape[] {
  const resolved = (logicalId: string): Record<string, unknown> => {
    const properties = resolver.resolve(template.Resources[logicalId]?.Properties ?? {})
    return isRecord(properties) ? properties : {}
  }
  const ofType = (type: string) =>
    Object.entries(template.Resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([logicalId]) => ({ logicalId, properties: resolved(logicalId) }))

  const users = new Map<string, CacheUserShape>()
  for (const { properties } of ofType('AWS::ElastiCache::User')) {
    const userId = text(properties.UserId)
    if (!userId) continue
    const mode = isRecord(properties.AuthenticationMode)
      ? text(properties.AuthenticationMode.Type)
      : undefined
    const passwords = (
      Array.isArray(properties.Passwords)
        ? properties.Passwords
        : isRecord(properties.AuthenticationMode) && Array.isArray(properties.AuthenticationMode.Passwords)
          ? properties.AuthenticationMode.Passwords
          : []
    ).filter((password): password is string => typeof password === 'string')
    users.set(userId, {
      userId,
      userName: text(properties.UserName) ?? userId,
      accessString: text(properties.AccessString) ?? 'off',
      authentication:
        mode === 'iam'
          ? 'iam'
          : mode === 'no-password-required' || flag(properties.NoPasswordRequired)
            ? 'no-password-required'
            : 'password',
      passwords,
    })
  }
  const groups = new Map<string, string[]>()
  for (const { properties } of ofType('AWS::ElastiCache::UserGroup')) {
    const id = text(properties.UserGroupId)
    const ids = Array.isArray(properties.UserIds) ? properties.UserIds.map(text) : []
    if (id)
      groups.set(
        id,
        ids.filter((userId): userId is string => userId !== undefined),
      )
  }
  const usersOf = (groupIds: unknown[]): CacheUserShape[] =>
    groupIds
      .map(text)
      .flatMap((groupId) => (groupId ? (groups.get(groupId) ?? []) : []))
      .map((userId) => users.get(userId))
      // ElastiCache's `default` user is the one Redis has anyway; the front lets it through untouched.
      .filter((user): user is CacheUserShape => user !== undefined && user.userName !== 'default')

  const shapes: CacheShape[] = []
  for (const { logicalId, properties } of ofType('AWS::ElastiCache::ReplicationGroup')) {
    const nodeGroups = Number(text(properties.NumNodeGroups) ?? 1)
    const parameterGroup = text(properties.CacheParameterGroupName) ?? ''
    const clusterMode =
      text(properties.ClusterMode) === 'enabled' || nodeGroups > 1 || parameterGroup.includes('cluster.on')
    const numCacheClusters = Number(text(properties.NumCacheClusters) ?? 1)
    const replicasPerGroup = text(properties.ReplicasPerNodeGroup)
    shapes.push({
      logicalId,
      cacheName: (text(properties.ReplicationGroupId) ?? logicalId).toLowerCase(),
      serverless: false,
      clusterMode,
      transitEncryption: flag(properties.TransitEncryptionEnabled),
      replicas: replicasPerGroup !== undefined ? Number(replicasPerGroup) : Math.max(0, numCacheClusters - 1),
      users: usersOf(Array.isArray(properties.UserGroupIds) ? properties.UserGroupIds : []),
    })
  }
  for (const { logicalId, properties } of ofType('AWS::ElastiCache::ServerlessCache')) {
    shapes.push({
      logicalId,
      cacheName: (text(properties.ServerlessCacheName) ?? logicalId).toLowerCase(),
      serverless: true,
      clusterMode: true,
      // ElastiCache Serverless always encrypts in transit.
      transitEncryption: true,
      replicas: 0,
      users: usersOf(properties.UserGroupId === undefined ? [] : [properties.UserGroupId]),
    })
  }
  return shapes
}
