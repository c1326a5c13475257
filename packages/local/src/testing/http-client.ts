// A tiny HTTP client for the conformance tests: raw node:http so the tests control every header sent
// (fetch adds its own) and see every header received.

import { request } from 'node:http'

export interface HttpResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
  text: string
  json: () => unknown
  ms: number
}

export interface CallOptions {
  token?: string
  headers?: Record<string, string>
  body?: string | Buffer
}

export function call(
  origin: string,
  method: string,
  path: string,
  options: CallOptions = {},
): Promise<HttpResponse> {
  const url = new URL(path, origin)
  const headers: Record<string, string> = { ...options.headers }
  if (options.token !== undefined) headers.token = options.token
  if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body))
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: `${url.pathname}${url.search}`,
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const body = Buffer.concat(chunks)
          const text = body.toString('utf8')
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text,
            json: () => JSON.parse(text),
            ms: performance.now() - started,
          })
        })
        res.on('error', reject)
      },
    )
    req.on('error', reject)
    req.end(options.body)
  })
}
