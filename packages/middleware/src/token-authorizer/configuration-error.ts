/**
 * The authorizer cannot decide because it is set up wrongly (no or invalid token map, a `methodArn` that is not a
 * REST API method ARN, invalid `context` values). It is deliberately not `Error('Unauthorized')`: API Gateway
 * answers any other authorizer error with a 500, which is right for a fault on our side, whereas a 401 would
 * blame the caller and hide the fault. Messages never contain token text.
 */
export class TokenAuthorizerConfigError extends Error {
  override readonly name = 'TokenAuthorizerConfigError'

  constructor(message: string) {
    super(message, { cause: { package: '@cubewalk/middleware' } })
  }
}
