import { type BlocksRoute, storeOf } from '../context.js'
import { parsePreconditions } from '../preconditions.js'
import { header, pathParameter } from '../request.js'
import { preconditionFailed } from '../responses.js'
import { parseChunk, parseWorld } from '../validate.js'

/** DELETE /cubewalkblocks/{world}/chunks/{x,y,z} — 200 {"deleted": false} when there was nothing to delete. */
export const deleteChunk: BlocksRoute<{ deleted: boolean }> = async (event, context) => {
  const world = parseWorld(pathParameter(event, 'world'))
  const at = parseChunk(pathParameter(event, 'chunk'))
  const preconditions = parsePreconditions(header(event, 'if-match'), header(event, 'if-none-match'))
  const result = await storeOf(context).deleteChunk(world, at, preconditions)
  if (!result.ok) throw preconditionFailed(result.currentVersion)
  return { deleted: result.deleted }
}
