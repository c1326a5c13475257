// The request-body pipeline of PUT and PATCH: size limit (413), content type (415) and JSON parsing.
// It wraps only the routes that take a body: @middy/http-json-body-parser answers 415 to any request without a
// JSON content type, which would break GET and DELETE if it ran for every route.
import middy, { type MiddlewareObj, type Request } from '@middy/core'
import httpJsonBodyParser from '@middy/http-json-body-parser'
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda'
import type { BlocksContext, BlocksRoute } from './context.js'
import { clientError } from './errors.js'

/**
 * Largest accepted body, in bytes after base64 decoding. A PATCH of all 4096 edits written as compact JSON is
 * about 150 KB, with generous whitespace under 300 KB; 512 KiB leaves room and keeps parsing under a few ms.
 */
export const MAX_BODY_BYTES = 512 * 1024

type BodyRequest = Request<APIGatewayProxyEvent, APIGatewayProxyResult, Error, BlocksContext>

const bodyBytes = (body: string, isBase64Encoded: boolean): number =>
  isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body)

const bodyLimitBefore = (request: BodyRequest): void => {
  const { body, isBase64Encoded } = request.event
  if (typeof body !== 'string') return
  // A string longer than the limit is too large in any encoding; skip counting its bytes.
  if (
    body.length > MAX_BODY_BYTES * (isBase64Encoded ? 4 / 3 : 1) ||
    bodyBytes(body, isBase64Encoded) > MAX_BODY_BYTES
  ) {
    throw clientError(413, `Payload Too Large: the request body is limited to ${MAX_BODY_BYTES} bytes`)
  }
}

const bodyParserPackage = '@middy/http-json-body-parser'

/**
 * http-json-body-parser throws 415 "Unsupported Media Type" and 422 for unparsable JSON. A game developer
 * gets more from naming the fix, and malformed input is a 400 everywhere else in this API.
 */
const bodyErrorsOnError = (request: BodyRequest): void => {
  const error = request.error as { statusCode?: unknown; cause?: { package?: unknown } } | null | undefined
  if (error?.cause?.package !== bodyParserPackage) return
  if (error.statusCode === 415) {
    request.error = clientError(
      415,
      'Unsupported Media Type: send the body as Content-Type: application/json',
    )
  } else if (error.statusCode === 422) {
    const forbiddenKey = (request.error as Error).message.includes('Forbidden key')
    request.error = clientError(
      400,
      forbiddenKey
        ? 'request body uses a forbidden key (__proto__ or constructor)'
        : 'request body is not valid JSON',
    )
  }
}

const bodyPipeline: MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, BlocksContext> = {
  before: bodyLimitBefore,
  onError: bodyErrorsOnError,
}

/** A route that takes a JSON body: it sees `event.body` already parsed (any JSON value, validated by the route). */
export const withJsonBody = (route: BlocksRoute<APIGatewayProxyResult>) =>
  middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, BlocksContext>()
    .use(bodyPipeline)
    .use(httpJsonBodyParser())
    .handler(route)
