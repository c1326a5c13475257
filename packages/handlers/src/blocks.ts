// Entry point of the blocks API Lambda (the stack's NodejsFunction points here).
// The pipeline is in blocks/create-blocks-handler.ts; the environment it reads is in config.ts.
import { createBlocksHandler } from './blocks/create-blocks-handler.js'
import { readBlocksConfig } from './config.js'

export const handler = createBlocksHandler(readBlocksConfig(process.env))
