// The custom resource behind TokensParameter: CloudFormation cannot create a SecureString, so this Lambda creates
// it with a freshly generated token. The token exists only in this function's memory and in the parameter: it is
// never in the template, the resource's response (outputs) or a log line.
import {
  DeleteParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm'
import type {
  CloudFormationCustomResourceEvent,
  CloudFormationCustomResourceResponse,
  Context,
} from 'aws-lambda'
import { generateToken } from './token-format.js'

/** The properties the TokensParameter construct passes (CloudFormation turns every value into a string). */
export interface TokensParameterProperties {
  readonly ParameterName: string
  readonly TokenName: string
  readonly Description: string
}

// Physical ids: the parameter name when this resource created the parameter; with this prefix when it found the
// parameter already there and adopted it (then deleting the stack leaves it alone); `failed:` when Create failed, so
// the Delete of the rollback touches nothing.
const adoptedPrefix = 'adopted:'
const failedPrefix = 'failed:'

const ssm = new SSMClient({})

const parameterNameOf = (physicalId: string): string =>
  physicalId.startsWith(adoptedPrefix) ? physicalId.slice(adoptedPrefix.length) : physicalId

const create = async (props: TokensParameterProperties): Promise<string> => {
  const token = generateToken()
  try {
    await ssm.send(
      new PutParameterCommand({
        Name: props.ParameterName,
        Description: props.Description,
        Type: 'SecureString',
        Tier: 'Standard',
        Value: JSON.stringify({ [props.TokenName]: token }),
        Overwrite: false,
      }),
    )
    console.info(JSON.stringify({ message: 'created the tokens parameter', parameter: props.ParameterName }))
    return props.ParameterName
  } catch (error) {
    if (!(error instanceof ParameterAlreadyExists)) throw error
    console.info(
      JSON.stringify({
        message: 'the tokens parameter exists: using it unchanged',
        parameter: props.ParameterName,
      }),
    )
    return `${adoptedPrefix}${props.ParameterName}`
  }
}

const remove = async (physicalId: string): Promise<void> => {
  if (physicalId.startsWith(failedPrefix) || physicalId.startsWith(adoptedPrefix)) return
  try {
    await ssm.send(new DeleteParameterCommand({ Name: physicalId }))
    console.info(JSON.stringify({ message: 'deleted the tokens parameter', parameter: physicalId }))
  } catch (error) {
    if (!(error instanceof ParameterNotFound)) throw error
  }
}

/** What to do for one event; returns the physical id. Tokens already in the parameter are never touched. */
export const apply = async (event: CloudFormationCustomResourceEvent): Promise<string> => {
  const props = event.ResourceProperties as unknown as TokensParameterProperties
  switch (event.RequestType) {
    case 'Create':
      return create(props)
    case 'Update':
      // Same name: keep the parameter and its tokens (rotation is the operator's, see docs/deploy.md). New name:
      // create it; CloudFormation then sends Delete for the old physical id.
      return parameterNameOf(event.PhysicalResourceId) === props.ParameterName
        ? event.PhysicalResourceId
        : create(props)
    case 'Delete':
      await remove(event.PhysicalResourceId)
      return event.PhysicalResourceId
  }
}

const describeError = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 500) : 'unknown error'

/** Sends the outcome to CloudFormation's presigned response URL (the custom resource protocol). */
export const respond = async (
  event: CloudFormationCustomResourceEvent,
  response: CloudFormationCustomResourceResponse,
): Promise<void> => {
  const body = JSON.stringify(response)
  const result = await fetch(event.ResponseURL, {
    method: 'PUT',
    // The presigned URL was signed without a content type: fetch must not add its default text/plain one.
    headers: { 'content-type': '' },
    body,
  })
  if (!result.ok) throw new Error(`CloudFormation response upload failed with HTTP ${result.status}`)
}

export const handler = async (event: CloudFormationCustomResourceEvent, context: Context): Promise<void> => {
  const base = {
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  }
  let response: CloudFormationCustomResourceResponse
  try {
    const physicalId = await apply(event)
    response = {
      ...base,
      Status: 'SUCCESS',
      PhysicalResourceId: physicalId,
      Data: { ParameterName: parameterNameOf(physicalId) },
    }
  } catch (error) {
    console.error(JSON.stringify({ message: 'tokens parameter request failed', error: describeError(error) }))
    response = {
      ...base,
      Status: 'FAILED',
      Reason: `${describeError(error)} (log stream ${context.logStreamName})`,
      PhysicalResourceId:
        event.RequestType === 'Create' ? `${failedPrefix}${event.RequestId}` : event.PhysicalResourceId,
    }
  }
  await respond(event, response)
}
