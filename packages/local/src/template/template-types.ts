// The parts of a CloudFormation template and of a CDK cloud assembly that the local runner reads.
// Values stay `unknown` until the intrinsic resolver has turned them into plain JSON.

export interface CfnResource {
  Type: string
  Properties?: Record<string, unknown>
  Metadata?: Record<string, unknown>
  Condition?: string
}

export interface CfnParameter {
  Type?: string
  Default?: unknown
}

export interface CfnTemplate {
  Parameters?: Record<string, CfnParameter>
  Conditions?: Record<string, unknown>
  Mappings?: Record<string, Record<string, Record<string, unknown>>>
  Resources: Record<string, CfnResource>
  Outputs?: Record<string, unknown>
}

/** One `aws:cloudformation:stack` artifact of a cloud assembly, with its template and file assets. */
export interface StackArtifact {
  /** Absolute path of the cloud assembly directory that holds the stack (cdk.out or a nested one). */
  assemblyDir: string
  artifactId: string
  stackName: string
  template: CfnTemplate
  /** Asset hash -> absolute path of the asset directory or file, from `<stack>.assets.json`. */
  fileAssets: Map<string, string>
  /** The account and region the stack was synthesized for, when concrete (`env` set in the app). */
  environment: { accountId?: string; region?: string }
  /** Logical id -> construct path (`MyStack/Orders/Resource`), from the artifact's `aws:cdk:logicalId` metadata. */
  constructPaths: Map<string, string>
}

/** The fake account identity the local API lives in; real ARNs keep their shape. */
export interface LocalAwsIdentity {
  region: string
  accountId: string
  partition: string
}

export const DEFAULT_IDENTITY: LocalAwsIdentity = {
  region: 'us-east-1',
  accountId: '123456789012',
  partition: 'aws',
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
