import type { APIGatewayProxyEvent } from 'aws-lambda'
import { type BlocksRoute, storeOf } from '../context.js'
import { badRequest } from '../errors.js'
import { pathParameter, queryParameter } from '../request.js'
import { type ChunkBody, chunkBody } from '../responses.js'
import { parseChunkList, parseWorld } from '../validate.js'

const looksLikeChunk = /^-?\d+,-?\d+,-?\d+$/

/**
 * API Gateway REST APIs split a query string at a raw `;` (a documented known issue), so `?at=0,0,0;1,0,0`
 * arrives as `at=0,0,0` plus a parameter named `1,0,0`. Answering with one chunk would be silently wrong:
 * refuse and say how to send the list instead.
 */
const refuseSplitList = (event: APIGatewayProxyEvent): void => {
  const stray = Object.keys(event.queryStringParameters ?? {}).find((name) => looksLikeChunk.test(name))
  if (stray !== undefined) {
    throw badRequest(
      `query parameter "at" was cut at a raw ";" (before ${JSON.stringify(stray)}): write ";" as %3B, or repeat at= for each chunk`,
    )
  }
}

/** GET /cubewalkblocks/{world}/chunks?at=x,y,z;x,y,z;... — up to 64 chunks in one script call. */
export const getChunks: BlocksRoute<{ chunks: Array<ChunkBody | null> }> = async (event, context) => {
  const world = parseWorld(pathParameter(event, 'world'))
  refuseSplitList(event)
  const list = parseChunkList(queryParameter(event, 'at', ';'))
  const chunks = await storeOf(context).getChunks(world, list)
  return {
    chunks: list.map((at, i) => {
      const chunk = chunks[i]
      return chunk ? chunkBody(world, at, chunk) : null
    }),
  }
}
