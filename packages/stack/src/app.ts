import { App, type AppProps, Validations } from 'aws-cdk-lib'
import { AwsSolutionsChecks } from 'cdk-nag'
import type { Node } from 'constructs'
import { CubewalkStack, type CubewalkStackProps } from './cubewalk-stack.js'
import { defaultStackName } from './default-stack-name.js'
import { acknowledgeNagFindings } from './nag-acknowledgements.js'

export { defaultStackName }

/**
 * CDK feature flags the stack relies on, set in code so that `cdk synth` and the tests build the same template
 * (cdk.json or `-c` still override them).
 */
export const featureFlags = {
  // Without it a change to the authorizer (TTL, regex) would not redeploy the stage and so would never take effect.
  '@aws-cdk/aws-apigateway:authorizerChangeDeploymentLogicalId': true,
  // Merges policy statements, keeping the roles' policies short.
  '@aws-cdk/aws-iam:minimizePolicies': true,
} as const

export interface CubewalkAppOptions {
  /** Cloud assembly directory. Default: the CDK CLI's (`cdk.out`), or a temporary one outside the CLI. */
  readonly outdir?: string
  /** Extra CDK context, e.g. `{ 'aws:cdk:bundling-stacks': [] }` to skip bundling. */
  readonly context?: AppProps['context']
  /** Default: context `stackName`, else `Cubewalk`. */
  readonly stackName?: string
  /** Win over the ones read from context. */
  readonly stackProps?: CubewalkStackProps
}

export interface CubewalkApp {
  readonly app: App
  readonly stack: CubewalkStack
}

const contextText = (node: Node, key: string): string | undefined => {
  const value: unknown = node.tryGetContext(key)
  return value === undefined || value === null || value === '' ? undefined : String(value)
}

/**
 * The stack options a user can pass to the CDK CLI: `-c serverlessCache=true -c cacheNodeType=cache.t4g.small`,
 * `-c alarmEmail=oncall@example.com`, `-c monitoring=false`.
 */
const stackPropsFromContext = (node: Node): CubewalkStackProps => {
  const serverless = contextText(node, 'serverlessCache')
  const nodeType = contextText(node, 'cacheNodeType')
  const monitoring = contextText(node, 'monitoring')
  const alarmEmail = contextText(node, 'alarmEmail')
  if (monitoring !== undefined && monitoring !== 'true' && monitoring !== 'false') {
    throw new Error(`context monitoring must be true or false, got '${monitoring}'`)
  }
  if (monitoring === 'false' && alarmEmail !== undefined) {
    throw new Error('context alarmEmail needs monitoring: drop -c monitoring=false')
  }
  return {
    ...(serverless === undefined ? {} : { serverlessCache: serverless === 'true' }),
    ...(nodeType === undefined ? {} : { cacheNodeType: nodeType }),
    ...(monitoring === 'false' ? { monitoring: false } : {}),
    ...(alarmEmail === undefined ? {} : { monitoring: { alarmEmail } }),
  }
}

/**
 * The CDK app: one environment-agnostic stack, checked by cdk-nag's AwsSolutions rules during synthesis (a finding
 * that is not acknowledged with a reason fails `cdk synth`).
 */
export const createCubewalkApp = (options: CubewalkAppOptions = {}): CubewalkApp => {
  const app = new App({
    ...(options.outdir === undefined ? {} : { outdir: options.outdir }),
    context: { ...featureFlags, ...options.context },
  })
  const stackName = options.stackName ?? contextText(app.node, 'stackName') ?? defaultStackName
  const stack = new CubewalkStack(app, stackName, {
    description: 'cubewalk: world blocks in Valkey behind a token-protected REST API',
    ...stackPropsFromContext(app.node),
    ...options.stackProps,
  })
  acknowledgeNagFindings(stack)
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app))
  return { app, stack }
}
