import { createError, type HttpError } from '@middy/util'

/**
 * A 4xx answer of the blocks API: middy's own HttpError (`status` = `statusCode`, `expose: true` below 500, so
 * jsonResponse sends the message), the class @middy/http-json-body-parser and @middy/http-router throw too.
 * middy's createError does not copy extra properties onto the error, so `headers` (`Allow`, `ETag`), which
 * jsonResponse copies onto the response, is set here.
 */
export const clientError = (status: number, message: string, headers?: Record<string, string>): HttpError => {
  const error = createError(status, message)
  if (headers !== undefined) error.headers = headers
  return error
}

export const badRequest = (message: string): HttpError => clientError(400, message)
