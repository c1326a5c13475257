import { TokenAuthorizerConfigError } from './configuration-error.js'

// arn:{partition}:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{resource path}
// Strict on purpose: every part we copy into the policy must be a concrete name, so a surprising ARN (a `*`
// stage, a missing method segment) can never widen the Allow beyond one stage.
const methodArnShape =
  /^arn:(aws(?:-[a-z]+)*):execute-api:([a-z]{2,}(?:-[a-z]+)+-\d+):(\d{12}):([A-Za-z0-9]+)\/([A-Za-z0-9_-]+)\/[A-Za-z*]+(?:\/.*)?$/

const maxShownArnLength = 256

/**
 * The resource for an Allow that covers every method and path of the stage `methodArn` belongs to:
 * `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/*\/*`.
 *
 * API Gateway caches an authorizer's policy per token and reuses it for every route of the stage, so a policy
 * naming only `methodArn` would deny the caller's next, different route.
 *
 * @throws TokenAuthorizerConfigError when `methodArn` is not an execute-api method ARN (then the authorizer is
 *   wired to something other than a REST API TOKEN authorizer; API Gateway answers 500).
 */
export const stageWideResource = (methodArn: string): string => {
  const match = typeof methodArn === 'string' ? methodArnShape.exec(methodArn) : null
  if (match === null) {
    const shown =
      typeof methodArn === 'string'
        ? JSON.stringify(methodArn.slice(0, maxShownArnLength))
        : `a value of type ${methodArn === null ? 'null' : typeof methodArn}`
    throw new TokenAuthorizerConfigError(
      `methodArn must look like arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{method}/{path}, got ${shown}`,
    )
  }
  const [, partition, region, account, apiId, stage] = match
  return `arn:${partition}:execute-api:${region}:${account}:${apiId}/${stage}/*/*`
}
