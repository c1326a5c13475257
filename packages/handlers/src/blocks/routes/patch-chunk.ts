import type { APIGatewayProxyResult } from 'aws-lambda'
import { type BlocksRoute, storeOf } from '../context.js'
import { pathParameter } from '../request.js'
import { preconditionFailed, withEtag } from '../responses.js'
import { parseChunk, parsePatchBody, parseWorld } from '../validate.js'
import { writeMetaOf } from './write-meta.js'

/**
 * PATCH /cubewalkblocks/{world}/chunks/{x,y,z} {"set": [{x, y, z, block}, ...]} — up to 4096 edits applied
 * all or nothing by one script; an absent chunk starts as air.
 */
export const patchChunk: BlocksRoute<APIGatewayProxyResult> = async (event, context) => {
  const world = parseWorld(pathParameter(event, 'world'))
  const at = parseChunk(pathParameter(event, 'chunk'))
  const edits = parsePatchBody(event.body)
  const result = await storeOf(context).patchChunk(world, at, edits, writeMetaOf(event))
  if (!result.ok) throw preconditionFailed(result.currentVersion)
  return withEtag({ version: result.version }, result.version)
}
