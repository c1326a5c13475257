import { ArnFormat, type Duration, RemovalPolicy, Stack } from 'aws-cdk-lib'
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2'
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam'
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
 * own role that may write to that log group and nothing else until the caller grants more. In a VPC, the role may
 * also manage the function's network interfaces, and no more (see {@link NodeFunction.grantNetworkInterfaces}).
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
    if (props.vpc !== undefined) this.grantNetworkInterfaces(props.vpc, props.vpcSubnets)
    // The role's log permissions must exist before Lambda first writes, i.e. before the function is created; its
    // network interface permissions must outlive the function (see grantNetworkInterfaces).
    const policy = this.role.node.tryFindChild('DefaultPolicy')
    if (policy !== undefined) this.function.node.addDependency(policy)
  }

  /**
   * What Lambda does with the execution role of a function in a VPC, in place of the AWS-managed
   * AWSLambdaVPCAccessExecutionRole (whose one statement also grants logs:CreateLogGroup, logs:CreateLogStream and
   * logs:PutLogEvents on every log group): create network interfaces in the function's subnets with its security
   * groups; describe network interfaces and subnets (EC2 supports no resource scoping for Describe actions, so `*`);
   * delete interfaces and (un)assign their private addresses (interfaces of this account and region: their ids are
   * only known once Lambda creates them).
   *
   * Lambda deletes a function's interfaces with this role after the function is deleted, and CloudFormation waits
   * for that before it reports the function deleted. The statements live in the role's default policy, which the
   * function depends on, so CloudFormation creates them before the function and deletes them only after it.
   */
  private grantNetworkInterfaces(vpc: IVpc, subnets: SubnetSelection | undefined): void {
    const stack = Stack.of(this)
    const ec2Arn = (resource: string, resourceName: string): string =>
      stack.formatArn({ service: 'ec2', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME })
    const anyNetworkInterface = ec2Arn('network-interface', '*')
    const subnetArns = vpc.selectSubnets(subnets).subnetIds.map((id) => ec2Arn('subnet', id))
    const securityGroupArns = this.function.connections.securityGroups.map((group) =>
      ec2Arn('security-group', group.securityGroupId),
    )
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ec2:CreateNetworkInterface'],
        resources: [anyNetworkInterface, ...subnetArns, ...securityGroupArns],
      }),
    )
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'ec2:DeleteNetworkInterface',
          'ec2:AssignPrivateIpAddresses',
          'ec2:UnassignPrivateIpAddresses',
        ],
        resources: [anyNetworkInterface],
      }),
    )
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets'],
        resources: ['*'],
      }),
    )
  }
}
