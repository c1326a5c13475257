// The slice of the API Gateway management API (REST, `apigateway.{region}.amazonaws.com`) a deploy tool uses
// against a running stage: FlushStageAuthorizersCache, `DELETE /restapis/{restApiId}/stages/{stageName}/cache/
// authorizers`. The AWS SDK v3 APIGatewayClient reaches it through AWS_ENDPOINT_URL_API_GATEWAY (or its
// `endpoint` option); signatures are not checked. Other operations answer 404 UnknownOperationException.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface ApiGatewayEndpoint {
  readonly url: string
  /** How many times each operation was called, e.g. `{ FlushStageAuthorizersCache: 1 }`. */
  readonly calls: Record<string, number>
  close(): Promise<void>
}

export interface ApiGatewayControl {
  /** Forgets the cached authorizer decisions of one stage; `false` when the API or stage does not exist. */
  flushStageAuthorizersCache(restApiId: string, stageName: string): boolean
}

const flushPath = /^\/restapis\/([^/]+)\/stages\/([^/]+)\/cache\/authorizers\/?$/

export async function startApiGatewayEndpoint(
  control: ApiGatewayControl,
  host = '127.0.0.1',
): Promise<ApiGatewayEndpoint> {
  const calls = Object.create(null) as Record<string, number>

  const answer = (res: ServerResponse, status: number, errorType?: string, message?: string) => {
    const body = errorType === undefined ? '' : JSON.stringify({ message })
    res.writeHead(status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
      'x-amzn-RequestId': crypto.randomUUID(),
      ...(errorType === undefined ? {} : { 'x-amzn-ErrorType': errorType }),
    })
    res.end(body)
  }

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0] as string
    const flush = flushPath.exec(path)
    if (req.method !== 'DELETE' || !flush) {
      answer(
        res,
        404,
        'UnknownOperationException',
        `${req.method} ${path} is not served locally (only FlushStageAuthorizersCache)`,
      )
      return
    }
    calls.FlushStageAuthorizersCache = (calls.FlushStageAuthorizersCache ?? 0) + 1
    const restApiId = decodeURIComponent(flush[1] as string)
    const stageName = decodeURIComponent(flush[2] as string)
    if (!control.flushStageAuthorizersCache(restApiId, stageName)) {
      answer(res, 404, 'NotFoundException', 'Invalid stage identifier specified')
      return
    }
    // API Gateway answers 202 Accepted with an empty body.
    answer(res, 202)
  }

  const server: Server = createServer((req, res) => {
    // The body (none for DELETE) is drained before answering so that keep-alive connections stay usable.
    req.resume()
    req.on('end', () => handle(req, res))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, host, () => resolve())
  })
  const { port } = server.address() as AddressInfo
  return {
    url: `http://${host}:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
