import { cacheAccessString } from '@cubewalk/handlers/cache-access'
import { Aws, CfnOutput, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib'
import { SecurityGroup, SubnetType } from 'aws-cdk-lib/aws-ec2'
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs'
import { RetentionDays } from 'aws-cdk-lib/aws-logs'
import type { Construct } from 'constructs'
import { BlocksApi } from './blocks-api.js'
import { Cache, cacheReplicas } from './cache.js'
import { resolveDurableWrites } from './durable-writes.js'
import { HANDLER_CONSTRUCT_IDS, handlerEntryPoint, loadHandlerBundling } from './handler-bundling.js'
import { authorizerEnvironment, blocksEnvironment, metricsEnvironment } from './handler-environment.js'
import { customMetricsNamespace, Monitoring } from './monitoring/monitoring.js'
import { type MonitoringOptions, resolveMonitoringOptions } from './monitoring/monitoring-options.js'
import { Network } from './network.js'
import { NodeFunction } from './node-function.js'
import { cacheResourceNames, defaultTokensParameterName } from './resource-names.js'
import { tokenValidationRegex } from './token-pattern.js'
import { TokensParameter } from './tokens-parameter.js'

export interface CubewalkStackProps extends StackProps {
  /** ElastiCache Serverless (Valkey) instead of the node-based replication group. Default false. */
  readonly serverlessCache?: boolean
  /** Node type of the replication group (primary + replica). Default `cache.t4g.micro`. */
  readonly cacheNodeType?: string
  /** Valkey version of the replication group. Default `8.0`. */
  readonly cacheEngineVersion?: string
  /** Serverless caps: stored data in GB (default 10) and ElastiCache Processing Units per second (default 10000). */
  readonly serverlessMaxDataStorageGb?: number
  readonly serverlessMaxEcpuPerSecond?: number
  /** Daily cache snapshots kept, 0 for none. Default 1. */
  readonly cacheSnapshotRetentionDays?: number
  /**
   * ACL rules of the blocks function's cache user. Default: {@link cacheAccessString} for this cache, i.e. keys under
   * `cubewalk:` only and exactly the commands the blocks function sends (packages/handlers/src/cache-access.ts).
   */
  readonly cacheAccessString?: string
  /**
   * Replicas that must confirm every write (Redis WAIT) before the API acknowledges it. Default 0: asynchronous
   * replication, where an unplanned failover can lose acknowledged writes. 1 (the node-based group has one replica)
   * loses none, at the price of 503s for writes while the replica is missing or lagging (docs/architecture.md).
   * Serverless does not accept WAIT: anything but 0 there fails the synth. Also grants WAIT in the cache user's ACL.
   */
  readonly durableWriteReplicas?: number
  /** Longest wait for that confirmation per write. Default 100 ms. */
  readonly durableWriteTimeout?: Duration
  /** How long API Gateway caches an authorizer decision per token. Default 300 s (0 = off, at most 3600 s). */
  readonly authorizerResultsCacheTtl?: Duration
  /** How long the authorizer reuses the tokens it read from SSM. Default 300 s. */
  readonly tokensCacheTtl?: Duration
  /** Stage-wide throttling: requests per second (default 100) and burst (default 200). */
  readonly throttlingRateLimit?: number
  readonly throttlingBurstLimit?: number
  /** Origins browsers may call the API from. Default `['*']`. */
  readonly corsAllowOrigins?: readonly string[]
  /** Retention of every log group of the stack. Default one month. */
  readonly logRetention?: RetentionDays
  /** SSM parameter holding the tokens. Default `/<stack name>/tokens`. */
  readonly tokensParameterName?: string
  /** Name of the token generated on first deploy. Default `initial`. */
  readonly initialTokenName?: string
  /** Create API Gateway's account-wide CloudWatch role (see BlocksApiProps.cloudWatchRole). Default true. */
  readonly apiGatewayCloudWatchRole?: boolean
  /** esbuild options of every function. Default: packages/handlers/bundling.mjs, mapped to NodejsFunction's. */
  readonly bundling?: BundlingOptions
  /**
   * CloudWatch alarms on the API, both functions and the cache, and a dashboard of the request path (docs/deploy.md,
   * "Alarms"). Default on, notifying nobody: pass `{ alarmEmail }` or `{ alarmTopic }` to be told, thresholds to tune
   * them, `false` for none.
   */
  readonly monitoring?: boolean | MonitoringOptions
}

/**
 * The whole cubewalk system: VPC, Valkey, the two functions, the REST API with its TOKEN authorizer, and the tokens
 * parameter with a generated token. Environment-agnostic: no lookups, so it synthesizes offline.
 */
export class CubewalkStack extends Stack {
  readonly network: Network
  readonly cache: Cache
  readonly blocks: NodeFunction
  readonly authorizer: NodeFunction
  readonly tokens: TokensParameter
  readonly api: BlocksApi
  /** Undefined with `monitoring: false`. */
  readonly monitoring?: Monitoring

  constructor(scope: Construct, id: string, props: CubewalkStackProps = {}) {
    super(scope, id, props)
    const logRetention = props.logRetention ?? RetentionDays.ONE_MONTH
    const bundling = props.bundling ?? loadHandlerBundling()
    const tokenName = props.initialTokenName ?? 'initial'
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(tokenName)) {
      throw new Error('initialTokenName must be 1 to 64 letters, digits, dots, dashes or underscores')
    }

    this.network = new Network(this, 'Network', { logRetention })
    const { vpc } = this.network
    const serverless = props.serverlessCache ?? false

    // Checked before anything is built, so a wrong option fails at once.
    const monitoringOptions =
      props.monitoring === false
        ? undefined
        : resolveMonitoringOptions(props.monitoring === true ? {} : props.monitoring)
    const serverlessMaxDataStorageGb = props.serverlessMaxDataStorageGb ?? 10
    const serverlessMaxEcpuPerSecond = props.serverlessMaxEcpuPerSecond ?? 10_000

    const durableWrites = resolveDurableWrites({
      replicas: props.durableWriteReplicas,
      timeout: props.durableWriteTimeout,
      serverless,
      availableReplicas: cacheReplicas(serverless),
    })

    this.cache = new Cache(this, 'Cache', {
      vpc,
      names: cacheResourceNames(this.stackName),
      serverless,
      nodeType: props.cacheNodeType ?? 'cache.t4g.micro',
      engineVersion: props.cacheEngineVersion ?? '8.0',
      serverlessMajorEngineVersion: '8',
      serverlessMaxDataStorageGb,
      serverlessMaxEcpuPerSecond,
      snapshotRetentionDays: props.cacheSnapshotRetentionDays ?? 1,
      // ElastiCache Serverless is always spoken to in cluster mode (see Cache.clusterMode); WAIT is granted only
      // when writes wait for replicas.
      accessString:
        props.cacheAccessString ??
        cacheAccessString({ clusterMode: serverless, waitForReplicas: durableWrites !== undefined }),
    })

    this.tokens = new TokensParameter(this, 'Tokens', {
      parameterName: props.tokensParameterName ?? defaultTokensParameterName(this.stackName),
      tokenName,
      bundling,
      logRetention,
    })

    const blocksSecurityGroup = new SecurityGroup(this, 'BlocksSecurityGroup', {
      vpc,
      description: 'cubewalk blocks function: out to the cache port only',
      allowAllOutbound: false,
    })
    this.cache.allowFrom(blocksSecurityGroup, 'cubewalk blocks function')

    const corsAllowOrigins = props.corsAllowOrigins ?? ['*']
    const blocksTimeout = Duration.seconds(10)
    this.blocks = new NodeFunction(this, HANDLER_CONSTRUCT_IDS.blocks, {
      entry: handlerEntryPoint('blocks'),
      description: 'cubewalk blocks API (world chunks in Valkey)',
      memorySize: 512,
      timeout: blocksTimeout,
      bundling,
      logRetention,
      vpc,
      vpcSubnets: { subnetType: SubnetType.PRIVATE_ISOLATED },
      securityGroups: [blocksSecurityGroup],
      environment: blocksEnvironment({
        cache: this.cache,
        corsAllowOrigins,
        durableWrites,
      }),
    })
    this.cache.grantConnect(this.blocks.role)

    this.authorizer = new NodeFunction(this, HANDLER_CONSTRUCT_IDS.authorizer, {
      entry: handlerEntryPoint('authorizer'),
      description: 'cubewalk TOKEN authorizer (tokens from SSM)',
      memorySize: 256,
      timeout: Duration.seconds(10),
      bundling,
      logRetention,
      environment: authorizerEnvironment({
        tokensParameterName: this.tokens.parameterName,
        tokensCacheTtl: props.tokensCacheTtl ?? Duration.seconds(300),
        tokenPattern: tokenValidationRegex,
      }),
    })
    this.tokens.grantRead(this.authorizer.role)

    this.api = new BlocksApi(this, 'Api', {
      blocksFunction: this.blocks.function,
      authorizerFunction: this.authorizer.function,
      tokenValidationRegex,
      authorizerResultsCacheTtl: props.authorizerResultsCacheTtl ?? Duration.seconds(300),
      throttlingRateLimit: props.throttlingRateLimit ?? 100,
      throttlingBurstLimit: props.throttlingBurstLimit ?? 200,
      corsAllowOrigins,
      logRetention,
      cloudWatchRole: props.apiGatewayCloudWatchRole ?? true,
    })
    // The API is usable when the deploy ends: the tokens parameter exists before the stage goes live.
    this.api.api.deploymentStage.node.addDependency(this.tokens)

    if (monitoringOptions !== undefined) {
      // The functions' own metrics come with the monitoring that uses them, and go with it. No dependency cycle: the
      // functions need the RestApi resource only; its methods, authorizer and deployment need the functions.
      for (const fn of [this.blocks.function, this.authorizer.function]) {
        for (const [name, value] of Object.entries(
          metricsEnvironment(customMetricsNamespace, this.api.api.restApiId),
        )) {
          fn.addEnvironment(name, value)
        }
      }
      this.monitoring = new Monitoring(this, 'Monitoring', {
        alarmNamePrefix: this.stackName,
        stage: this.api.api.deploymentStage,
        apiName: this.api.api.restApiName,
        restApiId: this.api.api.restApiId,
        accessLogs: this.api.accessLogs,
        authorizerFunction: this.authorizer.function,
        blocksFunction: this.blocks.function,
        blocksTimeout,
        cache: this.cache,
        serverlessMaxEcpuPerSecond,
        serverlessMaxDataStorageGb,
        options: monitoringOptions,
      })
    }

    const readToken = Fn.join('', [
      `aws ssm get-parameter --name ${this.tokens.parameterName} --with-decryption --region `,
      Aws.REGION,
      ` --query Parameter.Value --output text | jq -r '.["${tokenName}"]'`,
    ])
    new CfnOutput(this, 'BlocksUrl', {
      description: 'The blocks API (GET lists the worlds)',
      value: this.api.blocksUrl,
    })
    new CfnOutput(this, 'TokensParameter', {
      description: 'SSM SecureString parameter holding the tokens (JSON name -> token)',
      value: this.tokens.parameterName,
    })
    // The token commands (`npm run tokens`) find the API and stage to flush from these two.
    new CfnOutput(this, 'ApiId', {
      description: 'The REST API id (for FlushStageAuthorizersCache)',
      value: this.api.api.restApiId,
    })
    new CfnOutput(this, 'ApiStage', {
      description: 'The stage the blocks API is deployed to',
      value: this.api.api.deploymentStage.stageName,
    })
    new CfnOutput(this, 'ReadTokenCommand', {
      description: `Prints the token named ${tokenName} (needs the AWS CLI and jq)`,
      value: readToken,
    })
    new CfnOutput(this, 'CurlCommand', {
      description: 'Calls the API with that token',
      value: Fn.join('', ['curl -H "token: $(', readToken, ')" ', this.api.blocksUrl]),
    })
    if (this.monitoring !== undefined) {
      new CfnOutput(this, 'DashboardUrl', {
        description: 'The CloudWatch dashboard of the request path and its alarms',
        value: this.monitoring.dashboardUrl,
      })
    }
  }
}
