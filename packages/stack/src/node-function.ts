import { type Duration, RemovalPolicy } from 'aws-cdk-lib'
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2'
import { ManagedPolicy, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda'
import { type BundlingOptions, NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs'
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import { repoRoot } from './paths.js'

export interface NodeFunctionProps {
  /** The TypeScript entry point; it exports `handler`. */
  readonly entry: string
  readonly description: string
  readonly timeout: Duration
  readonly memorySize: number
  readonly environment?: Record<string, string>
  readonly bundling: BundlingOptions
  readonly logRetention: RetentionDays
  readonly vpc?: IVpc
  readonly vpcSubnets?: SubnetSelection
  readonly securityGroups?: ISecurityGroup[]
}

/**
 * A Node.js 24 arm64 function bundled by esbuild, with its own log group (retention set, JSON log format) and its
 * own role that may write to that log group and nothing else until the caller grants more.
 */
export class NodeFunction extends Construct {
  readonly function: NodejsFunction
  readonly role: Role
  readonly logGroup: LogGroup

  constructor(scope: Construct, id: string, props: NodeFunctionProps) {
    super(scope, id)
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.description} (execution role)`,
      // The AWS-managed policy Lambda needs to create and delete its network interfaces in the VPC.
      managedPolicies:
        props.vpc === undefined
          ? []
          : [ManagedPolicy.fromAwsManagedPolicyName('service-role/AWSLambdaVPCAccessExecutionRole')],
    })
    // Scoped to this function's log group instead of AWSLambdaBasicExecutionRole's logs:* on every group.
    this.logGroup.grantWrite(this.role)

    this.function = new NodejsFunction(this, 'Function', {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      environment: {
        // The bundles carry source maps; without this flag Node ignores them in stack traces.
        ...(props.bundling.sourceMap === true ? { NODE_OPTIONS: '--enable-source-maps' } : {}),
        ...props.environment,
      },
      projectRoot: repoRoot,
      depsLockFilePath: `${repoRoot}/package-lock.json`,
      bundling: props.bundling,
      vpc: props.vpc,
      vpcSubnets: props.vpcSubnets,
      securityGroups: props.securityGroups,
      allowPublicSubnet: false,
    })
    // The role's log permissions must exist before Lambda first writes, i.e. before the function is created.
    const policy = this.role.node.tryFindChild('DefaultPolicy')
    if (policy !== undefined) this.function.node.addDependency(policy)
  }
}
