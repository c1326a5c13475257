import { fileURLToPath } from 'node:url'
import { ArnFormat, CustomResource, Duration, Stack } from 'aws-cdk-lib'
import { Grant, type IGrantable, PolicyStatement } from 'aws-cdk-lib/aws-iam'
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs'
import type { RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'
import { NodeFunction } from './node-function.js'
import type { TokensParameterProperties } from './tokens-parameter-handler.js'

export interface TokensParameterProps {
  /** Name of the SecureString parameter, e.g. `/Cubewalk/tokens`. */
  readonly parameterName: string
  /** Name of the generated token inside the parameter's JSON map (name → token). */
  readonly tokenName: string
  readonly bundling: BundlingOptions
  readonly logRetention: RetentionDays
}

const handlerEntry = fileURLToPath(new URL('./tokens-parameter-handler.ts', import.meta.url))

/**
 * The SSM SecureString parameter holding the API tokens as a JSON map name → token, created on first deploy with
 * one generated token. Later deploys leave its value alone, so tokens added or removed by an operator survive;
 * deleting the stack deletes the parameter (unless it existed before the stack, then it is left as found).
 * Encrypted with the account's AWS-managed `aws/ssm` key.
 */
export class TokensParameter extends Construct {
  readonly parameterName: string
  readonly parameterArn: string

  constructor(scope: Construct, id: string, props: TokensParameterProps) {
    super(scope, id)
    const { parameterName } = props
    this.parameterName = parameterName
    this.parameterArn = Stack.of(this).formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: parameterName.replace(/^\//, ''),
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    })

    const provider = new NodeFunction(this, 'Provider', {
      entry: handlerEntry,
      description: 'cubewalk: creates the tokens SecureString parameter with a generated token',
      timeout: Duration.seconds(60),
      memorySize: 256,
      bundling: props.bundling,
      logRetention: props.logRetention,
    })
    provider.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ssm:PutParameter', 'ssm:DeleteParameter'],
        resources: [this.parameterArn],
      }),
    )

    const properties: TokensParameterProperties = {
      ParameterName: parameterName,
      TokenName: props.tokenName,
      Description:
        'cubewalk API tokens, JSON name -> token. Rotate: add a token, roll clients, remove the old one.',
    }
    new CustomResource(this, 'Resource', {
      serviceToken: provider.function.functionArn,
      resourceType: 'Custom::CubewalkTokensParameter',
      properties: { ...properties },
    })
  }

  /** Read (and, through the `aws/ssm` key's policy, decrypt) exactly this parameter. */
  grantRead(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resourceArns: [this.parameterArn],
    })
  }
}
