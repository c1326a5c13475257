import {
  type BlocksHandlerOptions,
  type BlocksLambdaHandler,
  createBlocksHandler,
} from '../../src/blocks/create-blocks-handler.js'
import type { BlocksConfig } from '../../src/config.js'
import { invoke, lambdaContext, type RestEventInit, restEvent } from './events.js'

export type BlocksHandler = BlocksLambdaHandler

/** The blocks Lambda exactly as deployed, pointed at a test Redis. */
export const blocksHandler = (
  redisUrl: string,
  overrides: Partial<BlocksConfig> = {},
  options: BlocksHandlerOptions = {},
): BlocksHandler =>
  createBlocksHandler(
    { redis: { url: redisUrl, cluster: false }, iamAuth: undefined, corsOrigins: ['*'], ...overrides },
    options,
  )

/** Sends one request through the handler: `call(handler, 'GET', '/cubewalkblocks', {...})`. */
export const call = (
  handler: BlocksHandler,
  method: string,
  path: string,
  init: Omit<RestEventInit, 'method' | 'path'> = {},
  context = lambdaContext(),
) => invoke(handler, restEvent({ method, path, ...init }), context)

/** A chunk's 4096 blocks as the API's base64, from a byte filler. */
export const chunkBase64 = (fill: (index: number) => number = () => 0): string => {
  const bytes = Buffer.alloc(4096)
  for (let i = 0; i < 4096; i++) bytes[i] = fill(i)
  return bytes.toString('base64')
}
