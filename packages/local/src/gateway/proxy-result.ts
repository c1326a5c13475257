// Checks a proxy Lambda's result the way API Gateway does: anything that is not
// `{statusCode, headers?, multiValueHeaders?, body?, isBase64Encoded?}` with the right types is a
// "Malformed Lambda proxy response" and the client gets 502.

import { isRecord } from '../template/template-types.js'

export interface ProxyResponse {
  status: number
  /** Header name -> values; `headers` and `multiValueHeaders` merged as API Gateway merges them. */
  headers: Map<string, string[]>
  body: string
  isBase64Encoded: boolean
}

export class MalformedProxyResponseError extends Error {
  constructor(detail: string) {
    super(`Malformed Lambda proxy response: ${detail}`)
    this.name = 'MalformedProxyResponseError'
  }
}

const ALLOWED_KEYS = new Set(['statusCode', 'headers', 'multiValueHeaders', 'body', 'isBase64Encoded'])

function scalar(value: unknown, what: string): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  throw new MalformedProxyResponseError(`${what} must be a string`)
}

export function parseProxyResult(payload: string): ProxyResponse {
  let result: unknown
  try {
    result = JSON.parse(payload)
  } catch {
    throw new MalformedProxyResponseError('not JSON')
  }
  return check(result)
}

function plainValue(value: unknown): boolean {
  const t = typeof value
  return (
    value === undefined ||
    value === null ||
    t === 'string' ||
    t === 'boolean' ||
    (t === 'number' && Number.isFinite(value))
  )
}

function plainRecord(value: unknown, lists: boolean): boolean {
  if (value === undefined || value === null) return true
  if (!isRecord(value) || Object.getPrototypeOf(value) !== Object.prototype) return false
  for (const v of Object.values(value)) {
    if (lists && Array.isArray(v) ? !v.every(plainValue) : !plainValue(v)) return false
  }
  return true
}

/**
 * Checks what a handler returned as if it had gone through Lambda's JSON serialization: a plain result is
 * checked as is (cheaper), anything else (Dates, toJSON, NaN...) is serialized first.
 */
export function validateProxyResult(result: unknown): ProxyResponse {
  const plain =
    isRecord(result) &&
    Object.getPrototypeOf(result) === Object.prototype &&
    plainValue(result.statusCode) &&
    plainValue(result.body) &&
    plainValue(result.isBase64Encoded) &&
    plainRecord(result.headers, false) &&
    plainRecord(result.multiValueHeaders, true)
  if (plain) return check(result)
  return parseProxyResult(JSON.stringify(result) ?? 'null')
}

function check(result: unknown): ProxyResponse {
  if (!isRecord(result))
    throw new MalformedProxyResponseError(`expected an object, got ${JSON.stringify(result)}`)
  for (const key of Object.keys(result)) {
    if (!ALLOWED_KEYS.has(key) && result[key] !== undefined) {
      throw new MalformedProxyResponseError(`unexpected key "${key}"`)
    }
  }
  const code = result.statusCode
  const status =
    typeof code === 'number' ? code : typeof code === 'string' && /^\d+$/.test(code) ? Number(code) : NaN
  if (!Number.isInteger(status) || status < 100 || status > 599) {
    throw new MalformedProxyResponseError(`statusCode ${JSON.stringify(code)} is not an HTTP status`)
  }
  if (result.body !== undefined && result.body !== null && typeof result.body !== 'string') {
    throw new MalformedProxyResponseError('body must be a string')
  }
  if (
    result.isBase64Encoded !== undefined &&
    result.isBase64Encoded !== null &&
    typeof result.isBase64Encoded !== 'boolean'
  ) {
    throw new MalformedProxyResponseError('isBase64Encoded must be a boolean')
  }
  const headers = new Map<string, string[]>()
  if (result.multiValueHeaders !== undefined && result.multiValueHeaders !== null) {
    if (!isRecord(result.multiValueHeaders))
      throw new MalformedProxyResponseError('multiValueHeaders must be an object')
    for (const [name, values] of Object.entries(result.multiValueHeaders)) {
      if (values === undefined) continue
      if (!Array.isArray(values))
        throw new MalformedProxyResponseError(`multiValueHeaders.${name} must be a list`)
      headers.set(
        name,
        values.map((v) => scalar(v, `multiValueHeaders.${name}`)),
      )
    }
  }
  if (result.headers !== undefined && result.headers !== null) {
    if (!isRecord(result.headers)) throw new MalformedProxyResponseError('headers must be an object')
    for (const [name, value] of Object.entries(result.headers)) {
      if (value === undefined) continue
      const text = scalar(value, `headers.${name}`)
      const existing = headers.get(name)
      // When both carry a header, the multi-value list wins for the same value and gains the other ones.
      if (!existing) headers.set(name, [text])
      else if (!existing.includes(text)) existing.unshift(text)
    }
  }
  return {
    status,
    headers,
    body: typeof result.body === 'string' ? result.body : '',
    isBase64Encoded: result.isBase64Encoded === true,
  }
}
