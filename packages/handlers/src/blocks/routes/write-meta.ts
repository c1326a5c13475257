import type { APIGatewayProxyEvent } from 'aws-lambda'
import { parsePreconditions } from '../preconditions.js'
import { header, principalOf } from '../request.js'
import type { WriteMeta } from '../store.js'

/** Preconditions, writer and time of a PUT or PATCH. */
export const writeMetaOf = (event: APIGatewayProxyEvent): WriteMeta => ({
  preconditions: parsePreconditions(header(event, 'if-match'), header(event, 'if-none-match')),
  by: principalOf(event),
  at: Date.now(),
})
