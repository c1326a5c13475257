import type { APIGatewayProxyResult } from 'aws-lambda'
import { type BlocksRoute, storeOf } from '../context.js'
import { pathParameter } from '../request.js'
import { preconditionFailed, withEtag } from '../responses.js'
import { parseChunk, parsePutBody, parseWorld } from '../validate.js'
import { writeMetaOf } from './write-meta.js'

/** PUT /cubewalkblocks/{world}/chunks/{x,y,z} {"blocks": base64} — replace the whole chunk atomically. */
export const putChunk: BlocksRoute<APIGatewayProxyResult> = async (event, context) => {
  const world = parseWorld(pathParameter(event, 'world'))
  const at = parseChunk(pathParameter(event, 'chunk'))
  const blocks = parsePutBody(event.body)
  const result = await storeOf(context).putChunk(world, at, blocks, writeMetaOf(event))
  if (!result.ok) throw preconditionFailed(result.currentVersion)
  return withEtag({ version: result.version }, result.version)
}
