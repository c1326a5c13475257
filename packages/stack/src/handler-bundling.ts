import { createRequire } from 'node:module'
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs'
import { esbuildToBundlingOptions } from './esbuild-to-cdk.js'

/**
 * The handlers package's bundling module: its entry points and its esbuild options, the single source of how every
 * cubewalk Lambda is bundled.
 */
export const handlerBundlingModule = '@cubewalk/handlers/bundling'

export type HandlerName = 'authorizer' | 'blocks'

/** The id of each handler's NodeFunction in CubewalkStack; `npm start --watch` finds the functions by it. */
export const HANDLER_CONSTRUCT_IDS: Readonly<Record<HandlerName, string>> = {
  blocks: 'Blocks',
  authorizer: 'Authorizer',
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

// Synchronous (Node ≥ 22 can `require` an ES module without top-level await), so constructs stay synchronous and a
// stack that is given its bundling options never loads the file for them.
const loadModule = (): Record<string, unknown> => {
  const loaded: unknown = createRequire(import.meta.url)(handlerBundlingModule)
  if (!isRecord(loaded)) throw new Error(`${handlerBundlingModule} did not load as a module`)
  return loaded
}

/** The shared esbuild options, as passed to `esbuild.build`. */
export const handlerEsbuildOptions = (): Readonly<Record<string, unknown>> => {
  const options = loadModule().esbuildOptions
  if (!isRecord(options)) {
    throw new Error(
      `${handlerBundlingModule} must export esbuildOptions, the options object passed to esbuild.build`,
    )
  }
  return options
}

/** The shared esbuild options, mapped to NodejsFunction's. */
export const loadHandlerBundling = (): BundlingOptions => esbuildToBundlingOptions(handlerEsbuildOptions())

/** The absolute path of a handler's entry point (it exports `handler`), as the handlers package declares it. */
export const handlerEntryPoint = (name: HandlerName): string => {
  const entryPoints = loadModule().entryPoints
  const entry = isRecord(entryPoints) ? entryPoints[name] : undefined
  if (typeof entry !== 'string') throw new Error(`${handlerBundlingModule} must export entryPoints.${name}`)
  return entry
}
