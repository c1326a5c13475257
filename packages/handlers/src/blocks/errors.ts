/**
 * A client error with the fields jsonResponse (and http-errors, and middy's createError) agree on:
 * `status`/`statusCode` pick the HTTP status, `expose: true` lets the message reach the client, `headers` are
 * copied onto the response. Our own small class keeps http-errors out of this package's direct dependencies.
 */
export class ClientError extends Error {
  readonly status: number
  readonly statusCode: number
  readonly expose = true
  readonly headers: Record<string, string> | undefined

  constructor(status: number, message: string, headers?: Record<string, string>) {
    super(message)
    this.name = 'ClientError'
    this.status = status
    this.statusCode = status
    this.headers = headers
  }
}

export const badRequest = (message: string): ClientError => new ClientError(400, message)
