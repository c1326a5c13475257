/**
 * ElastiCache ids are account- and region-wide, not stack-scoped, so they are derived from the stack name: two
 * stacks in one region get distinct caches and users. They must be known at synth time (the blocks function signs
 * IAM tokens with the replication group id and user id), hence names instead of CloudFormation-generated ids.
 */
export interface CacheResourceNames {
  /** Replication group id or serverless cache name: the host in the signed IAM token. */
  readonly cacheId: string
  /** ElastiCache user id and user name (IAM authentication requires them to be equal). */
  readonly userId: string
  readonly userGroupId: string
  readonly subnetGroupName: string
}

// ElastiCache ids: lowercase letters, digits and single hyphens, starting with a letter, at most 40 characters.
const maxIdLength = 40

const slug = (stackName: string, suffix: string): string => {
  const base =
    stackName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^[^a-z]+/, '')
      .replace(/-+$/, '') || 'cubewalk'
  const room = maxIdLength - suffix.length - 1
  return `${base.slice(0, room).replace(/-+$/, '')}-${suffix}`
}

export const cacheResourceNames = (stackName: string): CacheResourceNames => ({
  cacheId: slug(stackName, 'cache'),
  userId: slug(stackName, 'blocks'),
  userGroupId: slug(stackName, 'users'),
  subnetGroupName: slug(stackName, 'subnets'),
})

/** The SSM parameter holding the token map (name → token) that the authorizer accepts. */
export const defaultTokensParameterName = (stackName: string): string => `/${stackName}/tokens`
