import { Arn, ArnFormat, Stack } from 'aws-cdk-lib'
import { type IConnectable, type IVpc, Port, SecurityGroup, SubnetType } from 'aws-cdk-lib/aws-ec2'
import {
  CfnReplicationGroup,
  CfnServerlessCache,
  CfnSubnetGroup,
  CfnUser,
  CfnUserGroup,
} from 'aws-cdk-lib/aws-elasticache'
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam'
import { Construct } from 'constructs'
import type { CacheResourceNames } from './resource-names.js'

export interface CacheProps {
  readonly vpc: IVpc
  readonly names: CacheResourceNames
  /** ElastiCache Serverless (Valkey) instead of a node-based replication group. */
  readonly serverless: boolean
  /** Node type of the replication group's two nodes. */
  readonly nodeType: string
  /** Valkey engine version of the replication group. */
  readonly engineVersion: string
  /** Valkey major version of the serverless cache. */
  readonly serverlessMajorEngineVersion: string
  /** Upper bounds for the serverless cache, so a runaway client cannot run up the bill. */
  readonly serverlessMaxDataStorageGb: number
  readonly serverlessMaxEcpuPerSecond: number
  /** Daily snapshots kept; 0 turns snapshots off. */
  readonly snapshotRetentionDays: number
  /** The ACL rules of the blocks function's ElastiCache user. */
  readonly accessString: string
}

/** The port the replication group listens on, and the serverless cache's primary endpoint port. */
export const cachePort = 6379

/** Nodes of the node-based replication group: a primary and one replica. */
const nodeBasedNodes = 2

/** Replicas the cache offers a durable write (WAIT) to wait for; Serverless hides its replicas. */
export const cacheReplicas = (serverless: boolean): number => (serverless ? 0 : nodeBasedNodes - 1)

/**
 * Valkey in the isolated subnets, reachable only from what {@link Cache.allowFrom} admits, with TLS in transit,
 * encryption at rest, and no password anywhere: its one user authenticates with IAM, so a client proves itself with
 * a short-lived SigV4 token signed by its execution role and `elasticache:Connect` decides who may connect.
 *
 * Node-based (default): a replication group of a primary and a replica in two AZs, Multi-AZ with automatic failover,
 * cluster mode off (clients use the primary endpoint). Serverless: ElastiCache Serverless, which clients must speak
 * to in cluster mode.
 */
export class Cache extends Construct {
  readonly securityGroup: SecurityGroup
  readonly serverless: boolean
  /** Clients must use the Redis Cluster protocol (true for ElastiCache Serverless). */
  readonly clusterMode: boolean
  readonly endpointAddress: string
  readonly endpointPort: string
  /** The replication group id or serverless cache name: the host of the signed IAM token. */
  readonly cacheId: string
  /**
   * Node-based: the ids ElastiCache gives the group's member clusters (one node each), `<group id>-001`, `-002`: the
   * `CacheClusterId` of their CloudWatch metrics. Which one is the primary changes with every failover. Serverless:
   * none (its metrics carry the cache name as `clusterId`).
   */
  readonly memberClusterIds: readonly string[]
  readonly userId: string
  readonly cacheArn: string
  readonly userArn: string

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id)
    const { vpc, names, serverless } = props
    const stack = Stack.of(this)
    this.serverless = serverless
    this.clusterMode = serverless
    this.cacheId = names.cacheId
    this.userId = names.userId
    this.memberClusterIds = serverless
      ? []
      : Array.from({ length: nodeBasedNodes }, (_, i) => `${names.cacheId}-${String(i + 1).padStart(3, '0')}`)

    this.securityGroup = new SecurityGroup(this, 'SecurityGroup', {
      vpc,
      description: 'cubewalk cache: the cache port from the blocks function only',
      allowAllOutbound: false,
    })

    const user = new CfnUser(this, 'BlocksUser', {
      engine: 'valkey',
      userId: names.userId,
      // IAM authentication requires the user name to equal the user id.
      userName: names.userId,
      authenticationMode: { Type: 'iam' },
      accessString: props.accessString,
    })
    // A user group for the valkey engine may hold only users that authenticate (IAM or password), so there is no
    // passwordless `default` user to fall back to: an unauthenticated connection can do nothing.
    const userGroup = new CfnUserGroup(this, 'UserGroup', {
      engine: 'valkey',
      userGroupId: names.userGroupId,
      userIds: [names.userId],
    })
    userGroup.node.addDependency(user)

    const subnetIds = vpc.selectSubnets({ subnetType: SubnetType.PRIVATE_ISOLATED }).subnetIds
    const snapshots =
      props.snapshotRetentionDays > 0 ? { snapshotRetentionLimit: props.snapshotRetentionDays } : {}
    // What `elasticache:Connect` is granted on: the cache itself, known by name before it exists.
    const cacheArn = (resource: 'serverlesscache' | 'replicationgroup'): string =>
      stack.formatArn({
        service: 'elasticache',
        resource,
        resourceName: names.cacheId,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      })

    if (serverless) {
      const cache = new CfnServerlessCache(this, 'ServerlessCache', {
        serverlessCacheName: names.cacheId,
        description: 'cubewalk blocks (serverless)',
        engine: 'valkey',
        majorEngineVersion: props.serverlessMajorEngineVersion,
        connectionType: 'vpc',
        subnetIds,
        securityGroupIds: [this.securityGroup.securityGroupId],
        userGroupId: names.userGroupId,
        cacheUsageLimits: {
          dataStorage: { maximum: props.serverlessMaxDataStorageGb, unit: 'GB' },
          ecpuPerSecond: { maximum: props.serverlessMaxEcpuPerSecond },
        },
        ...snapshots,
      })
      cache.node.addDependency(userGroup)
      // ConnectionType (vpc or public; public endpoints are a Valkey 9 feature) is in CloudFormation's schema, from
      // which aws-cdk-lib generates CfnServerlessCache, but not yet in the one cfn-lint 1.51 bundles. Its "unknown
      // property" error is ignored on this resource only, so a misspelt property anywhere else still fails
      // scripts/cfn-lint.sh. Saying `vpc` outright keeps the cache off the internet whatever the default becomes.
      cache.addMetadata('cfn-lint', { config: { ignore_checks: ['E3002'] } })
      this.endpointAddress = cache.attrEndpointAddress
      this.endpointPort = cache.attrEndpointPort
      this.cacheArn = cacheArn('serverlesscache')
    } else {
      const subnetGroup = new CfnSubnetGroup(this, 'SubnetGroup', {
        cacheSubnetGroupName: names.subnetGroupName,
        description: 'cubewalk cache: isolated subnets in two AZs',
        subnetIds,
      })
      const cache = new CfnReplicationGroup(this, 'ReplicationGroup', {
        replicationGroupId: names.cacheId,
        replicationGroupDescription: 'cubewalk blocks',
        engine: 'valkey',
        engineVersion: props.engineVersion,
        cacheNodeType: props.nodeType,
        // A primary and one replica, placed in different AZs by the subnet group.
        numCacheClusters: nodeBasedNodes,
        multiAzEnabled: true,
        automaticFailoverEnabled: true,
        transitEncryptionEnabled: true,
        transitEncryptionMode: 'required',
        atRestEncryptionEnabled: true,
        userGroupIds: [names.userGroupId],
        port: cachePort,
        cacheSubnetGroupName: names.subnetGroupName,
        securityGroupIds: [this.securityGroup.securityGroupId],
        autoMinorVersionUpgrade: true,
        ...snapshots,
      })
      cache.node.addDependency(subnetGroup)
      cache.node.addDependency(userGroup)
      this.endpointAddress = cache.attrPrimaryEndPointAddress
      this.endpointPort = cache.attrPrimaryEndPointPort
      this.cacheArn = cacheArn('replicationgroup')
    }
    this.userArn = Arn.format(
      {
        service: 'elasticache',
        resource: 'user',
        resourceName: names.userId,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      },
      stack,
    )
  }

  /**
   * Lets `client` reach the cache port: an ingress rule on the cache's group from the client's group, and the
   * matching egress rule on the client's group. No other rule ever admits traffic to the cache.
   */
  allowFrom(client: IConnectable, description: string): void {
    this.securityGroup.connections.allowFrom(client, Port.tcp(cachePort), description)
  }

  /** `elasticache:Connect` on exactly this cache as exactly its IAM-authenticated user. */
  grantConnect(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['elasticache:Connect'],
      resourceArns: [this.cacheArn, this.userArn],
    })
  }
}
