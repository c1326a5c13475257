import type { APIGatewayProxyResult } from 'aws-lambda'
import { type BlocksRoute, storeOf } from '../context.js'
import { notModified } from '../preconditions.js'
import { header, pathParameter } from '../request.js'
import { chunkBody, chunkNotFound, notModifiedResponse, withEtag } from '../responses.js'
import { parseChunk, parseWorld } from '../validate.js'

/** GET /cubewalkblocks/{world}/chunks/{x,y,z} — one HMGET; If-None-Match → 304 costs nothing extra. */
export const getChunk: BlocksRoute<APIGatewayProxyResult> = async (event, context) => {
  const world = parseWorld(pathParameter(event, 'world'))
  const at = parseChunk(pathParameter(event, 'chunk'))
  const chunk = await storeOf(context).getChunk(world, at)
  if (!chunk) throw chunkNotFound(world, at)
  if (notModified(header(event, 'if-none-match'), chunk.version)) return notModifiedResponse(chunk.version)
  return withEtag(chunkBody(world, at, chunk), chunk.version)
}
