import { RemovalPolicy } from 'aws-cdk-lib'
import { FlowLogDestination, FlowLogTrafficType, IpAddresses, SubnetType, Vpc } from 'aws-cdk-lib/aws-ec2'
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'

export interface NetworkProps {
  readonly logRetention: RetentionDays
}

/**
 * Two AZs of isolated subnets and nothing else: no internet gateway, no NAT. Only the blocks function and the cache
 * live here, and neither needs the internet (the function signs its cache token locally; Lambda delivers its logs
 * outside the VPC). Every flow is logged.
 */
export class Network extends Construct {
  readonly vpc: Vpc

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id)
    this.vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'isolated', subnetType: SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }],
    })
    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: FlowLogTrafficType.ALL,
    })
  }
}
