import type { BlocksRoute } from '../context.js'
import { storeOf } from '../context.js'

/** GET /cubewalkblocks — the seed's route: every world that holds at least one chunk. */
export const listWorlds: BlocksRoute<{ worlds: string[] }> = async (_event, context) => ({
  worlds: await storeOf(context).listWorlds(),
})
