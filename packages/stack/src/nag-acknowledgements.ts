import { Validations } from 'aws-cdk-lib'
import type { IConstruct } from 'constructs'
import type { CubewalkStack } from './cubewalk-stack.js'

/** One accepted cdk-nag finding: the rule (with its finding for per-finding rules) and why it is accepted. */
export interface NagAcknowledgement {
  readonly id: string
  readonly reason: string
}

const managedPolicy = (name: string): string =>
  `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/${name}]`

/**
 * Every AwsSolutions finding this stack accepts, each acknowledged on the construct it concerns (never stack-wide)
 * and with the reason it is accepted. Anything else cdk-nag finds fails the synth.
 */
export const nagAcknowledgements = (stack: CubewalkStack): Array<[IConstruct, NagAcknowledgement]> => {
  const { api } = stack.api
  const blocksPolicy = stack.blocks.role.node.findChild('DefaultPolicy')
  const found: Array<[IConstruct, NagAcknowledgement]> = [
    [
      blocksPolicy,
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'Only ec2:DescribeNetworkInterfaces and ec2:DescribeSubnets are granted on *: Lambda calls them with ' +
          'the execution role to manage the network interfaces of a function in a VPC, and EC2 supports no ' +
          'resource-level permission for Describe actions. They let the role read the metadata (ids, addresses, ' +
          'subnets, security groups, tags) of every network interface and subnet in the account and region, and ' +
          'change nothing. No other statement the stack writes grants an action on * (the AWS-managed policy of ' +
          "API Gateway's account role is acknowledged below).",
      },
    ],
    [
      blocksPolicy,
      {
        id: 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ec2:<AWS::Region>:<AWS::AccountId>:network-interface/*]',
        reason:
          'Lambda creates the network interfaces of the blocks function with its execution role and picks their ' +
          'ids then, so no policy can name them in advance. ec2:CreateNetworkInterface is limited to the ' +
          "function's own subnets and security group, but ec2:DeleteNetworkInterface, ec2:AssignPrivateIpAddresses " +
          'and ec2:UnassignPrivateIpAddresses apply to any network interface of the account in this region, ' +
          'including ones other workloads own; AWS documents that a narrower DeleteNetworkInterface resource can ' +
          'cut the function off from the VPC.',
      },
    ],
    [
      api,
      {
        id: 'AwsSolutions-APIG2',
        reason:
          'Requests are validated by the blocks function, which checks every path parameter, query and body ' +
          '(world id, coordinates, base64 length, edit lists) and answers a JSON 4xx naming the problem; an ' +
          'API Gateway model would duplicate those rules in a second place that could drift from them.',
      },
    ],
    [
      api,
      {
        id: 'AwsSolutions-COG4',
        reason:
          'The callers are game clients holding a shared secret token, not Cognito users: every method uses the ' +
          'TOKEN authorizer, which checks the `token` header against the tokens in SSM. The CORS preflight ' +
          'OPTIONS methods are unauthenticated by definition (browsers send no custom header with them).',
      },
    ],
    [
      api.deploymentStage,
      {
        id: 'AwsSolutions-APIG3',
        reason:
          'No WAF web ACL: it costs a fixed monthly fee per ACL and rule, several times the rest of this stack at ' +
          'rest. Abuse is bounded by stage throttling (rate and burst props), the identity validation regex that ' +
          'refuses malformed tokens before any Lambda runs, and the cached token authorizer. Associate a web ACL ' +
          'if the API faces hostile traffic at scale.',
      },
    ],
  ]
  const cloudWatchRole = api.node.tryFindChild('CloudWatchRole')
  if (cloudWatchRole !== undefined) {
    found.push([
      cloudWatchRole,
      {
        id: managedPolicy('AmazonAPIGatewayPushToCloudWatchLogs'),
        reason:
          "API Gateway's account-wide logging role (AWS::ApiGateway::Account) must carry this AWS-managed policy: " +
          'API Gateway itself names the log groups it writes (API-Gateway-Execution-Logs_*, and the access log ' +
          'groups of every API in the account and region), so no stack-scoped policy can replace it.',
      },
    ])
  }
  if (!stack.cache.serverless) {
    const replicationGroup = stack.cache.node.findChild('ReplicationGroup')
    found.push([
      replicationGroup,
      {
        id: 'AwsSolutions-AEC6',
        reason:
          'The cache authenticates every connection with IAM through RBAC: its user group holds only an ' +
          'IAM-authenticated user (no passwordless default user), so a client needs elasticache:Connect and a ' +
          '15-minute SigV4 token. AEC6 only recognises a static AUTH token, which this replaces.',
      },
    ])
  }
  return found
}

export const acknowledgeNagFindings = (stack: CubewalkStack): void => {
  for (const [construct, acknowledgement] of nagAcknowledgements(stack)) {
    Validations.of(construct).acknowledge(acknowledgement)
  }
}
