// Where the tokens live and which API to flush: read from the stack's outputs, as the operator would read them.
// Against AWS, CloudFormation's DescribeStacks (stack name from --stack, region and credentials from the usual AWS
// environment); against `npm start`, the note the local runner leaves in the assembly (@cubewalk/local), with the
// SDK clients aimed at its local SSM and API Gateway endpoints.

import { APIGatewayClient } from '@aws-sdk/client-api-gateway'
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation'
import { SSMClient } from '@aws-sdk/client-ssm'
import { readRunnerState } from '@cubewalk/local'

export interface StackOutputs {
  readonly parameterName: string
  /** Absent when the stack has no way to name its API (then `--now` cannot flush). */
  readonly restApiId: string | undefined
  readonly stageName: string | undefined
}

export interface TokensTarget extends StackOutputs {
  readonly ssm: SSMClient
  readonly apiGateway: APIGatewayClient
  /** For messages: `stack Cubewalk` or `stack Cubewalk on the local runner (npm start)`. */
  readonly description: string
}

export class TargetError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'TargetError'
  }
}

// `https://{api}.execute-api.{region}.amazonaws.com/{stage}/...`: stacks deployed before the ApiId/ApiStage
// outputs existed still name their API this way.
const executeApiUrl = /^https:\/\/([a-z0-9]+)\.execute-api\.[^/]+\/([^/]+)\//

/** The outputs the token commands need, from a stack's outputs by key. */
export const readStackOutputs = (outputs: Readonly<Record<string, string>>, stack: string): StackOutputs => {
  const parameterName = outputs.TokensParameter
  if (!parameterName) {
    throw new TargetError(`stack ${stack} has no TokensParameter output: is it a cubewalk stack (--stack)?`)
  }
  const fromUrl = executeApiUrl.exec(outputs.BlocksUrl ?? '')
  return {
    parameterName,
    restApiId: outputs.ApiId ?? fromUrl?.[1],
    stageName: outputs.ApiStage ?? fromUrl?.[2],
  }
}

export interface TargetOptions {
  readonly stackName: string
  /** The stack was named on the command line: with --local, it must be the one the runner serves. */
  readonly stackNamed?: boolean
  readonly region?: string | undefined
  /** Set for `--local`: the cloud assembly the local runner serves. */
  readonly localAssembly?: string | undefined
}

export const resolveTarget = async (options: TargetOptions): Promise<TokensTarget> => {
  if (options.localAssembly !== undefined) {
    const state = readRunnerState(options.localAssembly, 'npm start')
    if (options.stackNamed && options.stackName !== state.stackName) {
      throw new TargetError(
        `npm start serves stack ${state.stackName}, not ${options.stackName} (drop --stack, or --assembly <the other app's cdk.out>)`,
      )
    }
    const local = {
      region: state.region,
      // The local endpoints check no signature; fixed fake credentials keep the SDK from looking for real ones.
      credentials: { accessKeyId: 'local-not-a-secret', secretAccessKey: 'local-not-a-secret' },
    }
    return {
      ...readStackOutputs(state.outputs, state.stackName),
      ssm: new SSMClient({ ...local, endpoint: state.endpoints.ssm }),
      apiGateway: new APIGatewayClient({ ...local, endpoint: state.endpoints.apiGateway }),
      description: `stack ${state.stackName} on the local runner (npm start, pid ${state.pid})`,
    }
  }
  const config = options.region === undefined ? {} : { region: options.region }
  const cloudFormation = new CloudFormationClient(config)
  let outputs: Record<string, string>
  try {
    const { Stacks } = await cloudFormation.send(new DescribeStacksCommand({ StackName: options.stackName }))
    outputs = Object.create(null) as Record<string, string>
    for (const output of Stacks?.[0]?.Outputs ?? []) {
      if (output.OutputKey && output.OutputValue !== undefined) outputs[output.OutputKey] = output.OutputValue
    }
  } catch (error) {
    const message = (error as Error).message
    if ((error as Error).name === 'ValidationError' && /does not exist/.test(message)) {
      const region = await cloudFormation.config.region().catch(() => '(no region)')
      throw new TargetError(
        `stack ${options.stackName} does not exist in ${region}: pass --stack <name>, and set AWS_REGION (or --region)`,
      )
    }
    throw error
  } finally {
    cloudFormation.destroy()
  }
  return {
    ...readStackOutputs(outputs, options.stackName),
    ssm: new SSMClient(config),
    apiGateway: new APIGatewayClient(config),
    description: `stack ${options.stackName}`,
  }
}
