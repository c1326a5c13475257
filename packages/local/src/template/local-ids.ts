import { createHash, randomFillSync } from 'node:crypto'

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789'

/**
 * A stable, API-Gateway-looking id (lowercase alphanumerics) derived from a logical id, so the same
 * template gives the same apiId, resourceId and authorizer id on every start and in every test.
 */
export function localId(seed: string, length: number): string {
  const digest = createHash('sha256').update(seed).digest()
  let out = ''
  for (let i = 0; i < length; i++) out += ALPHABET[(digest[i] ?? 0) % ALPHABET.length]
  return out
}

// Per-request ids come from a refilled pool of random bytes: one syscall per few hundred requests.
const pool = Buffer.alloc(4096)
let offset = pool.length

function randomBytes(n: number): Buffer {
  if (offset + n > pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  const out = pool.subarray(offset, offset + n)
  offset += n
  return out
}

/** A per-request id shaped like API Gateway's extendedRequestId (`ZhEVGHTzDoEEB2A=`). */
export function extendedRequestId(): string {
  return randomBytes(10).toString('base64')
}

/** `Root=1-<hex epoch>-<24 hex>`, the X-Amzn-Trace-Id format. */
export function traceId(epochMs: number): string {
  return `Root=1-${Math.floor(epochMs / 1000).toString(16)}-${randomBytes(12).toString('hex')}`
}
