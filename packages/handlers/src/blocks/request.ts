// Reading an API Gateway REST (v1.0) proxy event safely. Any field may be null: the console's "Test" button
// sends `headers: null`, and a request without a query string has `queryStringParameters: null`.
// @middy/http-header-normalizer has lower-cased header names before a route runs.
import type { APIGatewayProxyEvent } from 'aws-lambda'

/** A header's value; repeated headers (multiValueHeaders) are joined with ", " as HTTP allows for lists. */
export const header = (event: APIGatewayProxyEvent, lowerName: string): string | undefined => {
  const many = event.multiValueHeaders?.[lowerName]
  if (Array.isArray(many) && many.length > 1) return many.join(', ')
  return event.headers?.[lowerName] ?? many?.[0]
}

/**
 * A query parameter; when repeated (`?at=1,2,3&at=4,5,6`) the values are joined with `sep`, so a list can be
 * sent either way. API Gateway has already percent-decoded both maps.
 */
export const queryParameter = (
  event: APIGatewayProxyEvent,
  name: string,
  sep: string,
): string | undefined => {
  const many = event.multiValueQueryStringParameters?.[name]
  if (Array.isArray(many) && many.length > 1) return many.join(sep)
  return event.queryStringParameters?.[name] ?? many?.[0]
}

export const pathParameter = (event: APIGatewayProxyEvent, name: string): string =>
  event.pathParameters?.[name] ?? ''

const maxPrincipalLength = 256

/**
 * Who is writing: the principalId our TOKEN authorizer returned (the token's name), which API Gateway passes
 * in `requestContext.authorizer`. '' when the request came without an authorizer (console test, local tools).
 */
export const principalOf = (event: APIGatewayProxyEvent): string => {
  const principal: unknown = event.requestContext?.authorizer?.principalId
  return typeof principal === 'string' ? principal.slice(0, maxPrincipalLength) : ''
}
