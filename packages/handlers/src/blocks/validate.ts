// Everything a request carries is checked here, before any key is built or any byte reaches Redis.
// Messages name the field and the rule, so a game developer can fix the request without reading the source.
import { badRequest } from './errors.js'

export const CHUNK_SIDE = 16
export const CHUNK_BYTES = CHUNK_SIDE * CHUNK_SIDE * CHUNK_SIDE
export const COORDINATE_MIN = -1048576
export const COORDINATE_MAX = 1048575
export const MAX_BATCH_CHUNKS = 64
export const MAX_EDITS = CHUNK_BYTES

export interface ChunkCoordinates {
  readonly x: number
  readonly y: number
  readonly z: number
}

const worldPattern = /^[a-z0-9][a-z0-9-]{0,31}$/
// At most 7 digits: enough for ±1048576, and a bound on the work before the range check.
const chunkPattern = /^(-?\d{1,7}),(-?\d{1,7}),(-?\d{1,7})$/
// Standard or URL-safe alphabet, padding optional: what game engines' encoders produce.
const base64Pattern = /^[A-Za-z0-9+/_-]*={0,2}$/
// 4096 bytes are 5462 base64 characters, 5464 with padding; anything much longer is not worth decoding.
const maxBase64Chars = 5464

/** Echo of client input inside a message: bounded, and JSON-quoted so it cannot break the message apart. */
export const quote = (value: string): string =>
  JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)

// A REST API passes path parameters as the client sent them, still percent-encoded (docs/local.md, "Paths"):
// they are decoded here, exactly once, so `1%2C2%2C3` is chunk `1,2,3` and `%2577` stays the invalid `%77`.
// Decoding is safe because the decoded text must then match the strict patterns below.
const decodePathSegment = (value: string, what: string): string => {
  if (!value.includes('%')) return value
  try {
    return decodeURIComponent(value)
  } catch {
    throw badRequest(`${what} ${quote(value)} is not valid percent-encoding`)
  }
}

export const parseWorld = (raw: string | undefined): string => {
  const world = decodePathSegment(raw ?? '', 'world id')
  if (!worldPattern.test(world)) {
    throw badRequest(
      `world id ${quote(world)} is invalid: use 1 to 32 characters from a-z, 0-9 and "-", not starting with "-"`,
    )
  }
  return world
}

const coordinate = (text: string): number => {
  const value = Number(text)
  // -0 would otherwise print as "0" in keys but travel as -0; normalise once here.
  return value === 0 ? 0 : value
}

const chunkRule = `expected x,y,z with integers from ${COORDINATE_MIN} to ${COORDINATE_MAX}`

export const parseChunk = (raw: string, what = 'chunk'): ChunkCoordinates => {
  const text = decodePathSegment(raw, what)
  const match = chunkPattern.exec(text)
  if (match) {
    const x = coordinate(match[1] as string)
    const y = coordinate(match[2] as string)
    const z = coordinate(match[3] as string)
    if ([x, y, z].every((v) => v >= COORDINATE_MIN && v <= COORDINATE_MAX)) return { x, y, z }
  }
  throw badRequest(`${what} ${quote(text)} is invalid: ${chunkRule}`)
}

/** The `at` query of a batch read: `x,y,z;x,y,z;...`, 1 to 64 chunks, duplicates allowed, order kept. */
export const parseChunkList = (raw: string | undefined): ChunkCoordinates[] => {
  if (raw === undefined || raw === '') {
    throw badRequest('query parameter "at" is required: at=x,y,z;x,y,z;... (1 to 64 chunks)')
  }
  const parts = raw.split(';')
  if (parts.length > MAX_BATCH_CHUNKS) {
    throw badRequest(
      `query parameter "at" lists ${parts.length} chunks; at most ${MAX_BATCH_CHUNKS} per request`,
    )
  }
  return parts.map((part, i) => parseChunk(part, `at[${i}]`))
}

export const parseBlocks = (value: unknown): Buffer => {
  if (typeof value !== 'string') {
    throw badRequest(`body field "blocks" must be a base64 string of ${CHUNK_BYTES} bytes`)
  }
  if (value.length > maxBase64Chars + 4) {
    throw badRequest(
      `body field "blocks" must be base64 of exactly ${CHUNK_BYTES} bytes; got ${value.length} characters`,
    )
  }
  if (!base64Pattern.test(value) || value.replace(/=+$/, '').length % 4 === 1) {
    throw badRequest('body field "blocks" is not valid base64')
  }
  const blocks = Buffer.from(value, 'base64')
  if (blocks.length !== CHUNK_BYTES) {
    throw badRequest(
      `body field "blocks" must be base64 of exactly ${CHUNK_BYTES} bytes; got ${blocks.length}`,
    )
  }
  return blocks
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const isIntegerIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max

export const parsePutBody = (body: unknown): Buffer => {
  if (!isObject(body)) throw badRequest('body must be a JSON object: {"blocks": "<base64 of 4096 bytes>"}')
  return parseBlocks(body.blocks)
}

/**
 * The `set` list of a PATCH, packed 3 bytes per edit (block index high, low, value) for the Lua script.
 * Edits apply in order, so when one block is set twice the later edit wins; this keeps a client's queue of
 * player actions meaningful without making it deduplicate first.
 */
export const parsePatchBody = (body: unknown): Buffer => {
  if (!isObject(body) || !Array.isArray(body.set)) {
    throw badRequest('body must be a JSON object: {"set": [{"x": 0, "y": 0, "z": 0, "block": 1}, ...]}')
  }
  const edits: unknown[] = body.set
  if (edits.length === 0) throw badRequest('body field "set" must hold at least one edit')
  if (edits.length > MAX_EDITS) {
    throw badRequest(`body field "set" holds ${edits.length} edits; at most ${MAX_EDITS} per request`)
  }
  const packed = Buffer.allocUnsafe(edits.length * 3)
  for (let i = 0; i < edits.length; i++) {
    const edit = edits[i]
    if (!isObject(edit)) throw badRequest(`set[${i}] must be an object {"x", "y", "z", "block"}`)
    for (const axis of ['x', 'y', 'z'] as const) {
      if (!isIntegerIn(edit[axis], 0, CHUNK_SIDE - 1)) {
        throw badRequest(`set[${i}].${axis} must be an integer from 0 to ${CHUNK_SIDE - 1}`)
      }
    }
    if (!isIntegerIn(edit.block, 0, 255)) throw badRequest(`set[${i}].block must be an integer from 0 to 255`)
    const index = blockIndex(edit.x as number, edit.y as number, edit.z as number)
    packed[i * 3] = index >> 8
    packed[i * 3 + 1] = index & 0xff
    packed[i * 3 + 2] = edit.block
  }
  return packed
}

/** The chunk encoding: block (x, y, z) is byte x + 16*z + 256*y of the 4096. */
export const blockIndex = (x: number, y: number, z: number): number =>
  x + CHUNK_SIDE * z + CHUNK_SIDE * CHUNK_SIDE * y
