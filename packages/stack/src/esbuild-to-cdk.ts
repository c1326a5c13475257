import { type BundlingOptions, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs'

/**
 * Turns esbuild build options (the object passed to `esbuild.build`) into NodejsFunction's bundling options, so the
 * stack builds with exactly the options the handlers package uses. Every key is either mapped, checked to agree
 * with what NodejsFunction always does, or refused: an option added to the shared file that cannot be honoured here
 * fails the synth instead of silently producing a different bundle.
 */
export const esbuildToBundlingOptions = (options: Readonly<Record<string, unknown>>): BundlingOptions => {
  const result: Record<string, unknown> = {
    // Local esbuild or nothing: a machine without it gets an error, not a surprise Docker build.
    forceDockerBundling: false,
  }
  const esbuildArgs: Record<string, string | boolean> = {}
  const listArgs: Record<string, string[]> = {}

  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue
    switch (key) {
      // What NodejsFunction does anyway, or what it sets per function (entry, output file).
      case 'bundle':
        expect(key, value, value === true, 'true (NodejsFunction always bundles)')
        break
      case 'platform':
        expect(key, value, value === 'node', "'node' (NodejsFunction always targets node)")
        break
      case 'entryPoints':
      case 'outfile':
      case 'outdir':
      case 'outExtension':
      case 'write':
        break
      case 'format':
        expect(key, value, value === 'esm' || value === 'cjs', "'esm' or 'cjs'")
        result.format = value === 'esm' ? OutputFormat.ESM : OutputFormat.CJS
        break
      case 'minify':
      case 'keepNames':
      case 'sourcesContent':
      case 'metafile':
        expect(key, value, typeof value === 'boolean', 'a boolean')
        result[key] = value
        break
      case 'sourcemap':
        Object.assign(result, sourceMapOptions(value))
        break
      case 'target':
        expect(key, value, isString(value) || isStringArray(value), 'a string or an array of strings')
        result.target = Array.isArray(value) ? value.join(',') : value
        break
      case 'banner':
      case 'footer':
        expect(key, value, isJsOnly(value), '{ js: string }')
        result[key] = (value as { js: string }).js
        break
      case 'external':
        expect(key, value, isStringArray(value), 'an array of strings')
        result.externalModules = [...(value as string[])]
        break
      case 'mainFields':
      case 'inject':
        expect(key, value, isStringArray(value), 'an array of strings')
        result[key] = [...(value as string[])]
        break
      case 'define':
      case 'loader':
        expect(key, value, isStringRecord(value), 'an object of strings')
        result[key] = { ...(value as Record<string, string>) }
        break
      case 'charset':
        expect(key, value, value === 'ascii' || value === 'utf8', "'ascii' or 'utf8'")
        result.charset = value
        break
      case 'logLevel':
        expect(key, value, isString(value), 'a string')
        result.logLevel = value
        break
      case 'tsconfig':
        expect(key, value, isString(value), 'a path')
        result.tsconfig = value
        break
      // Passed straight to the esbuild CLI.
      case 'legalComments':
      case 'treeShaking':
      case 'ignoreAnnotations':
      case 'lineLimit':
      case 'packages':
        expect(
          key,
          value,
          isString(value) || typeof value === 'boolean' || typeof value === 'number',
          'a scalar',
        )
        esbuildArgs[`--${kebab(key)}`] = typeof value === 'boolean' ? value : String(value)
        break
      case 'alias': {
        expect(key, value, isStringRecord(value), 'an object of strings')
        // NodejsFunction repeats a list-valued `--alias` once per entry: --alias:from=to.
        const entries = Object.entries(value as Record<string, string>).map(([from, to]) => `${from}=${to}`)
        if (entries.length > 0) listArgs['--alias'] = entries
        break
      }
      case 'conditions':
      case 'resolveExtensions':
        expect(key, value, isStringArray(value), 'an array of strings')
        esbuildArgs[`--${kebab(key)}`] = (value as string[]).join(',')
        break
      default:
        throw new Error(
          `esbuild option '${key}' has no NodejsFunction equivalent here: map it in packages/stack/src/esbuild-to-cdk.ts`,
        )
    }
  }
  // esbuildArgs is typed string | boolean, but NodejsFunction turns an array into one flag per item.
  const allArgs = { ...esbuildArgs, ...listArgs }
  if (Object.keys(allArgs).length > 0) result.esbuildArgs = allArgs
  return result as BundlingOptions
}

const sourceMapOptions = (value: unknown): Partial<BundlingOptions> => {
  switch (value) {
    case false:
      return { sourceMap: false }
    // esbuild's `true` and 'linked' both write a .map file and a sourceMappingURL comment.
    case true:
    case 'linked':
      return { sourceMap: true, sourceMapMode: SourceMapMode.DEFAULT }
    case 'external':
      return { sourceMap: true, sourceMapMode: SourceMapMode.EXTERNAL }
    case 'inline':
      return { sourceMap: true, sourceMapMode: SourceMapMode.INLINE }
    case 'both':
      return { sourceMap: true, sourceMapMode: SourceMapMode.BOTH }
    default:
      throw new Error(
        `esbuild option 'sourcemap' must be a boolean, 'linked', 'external', 'inline' or 'both'`,
      )
  }
}

const expect = (key: string, value: unknown, ok: boolean, wanted: string): void => {
  if (!ok)
    throw new Error(
      `esbuild option '${key}' must be ${wanted} for NodejsFunction, got ${JSON.stringify(value)}`,
    )
}

const isString = (value: unknown): value is string => typeof value === 'string'
const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every(isString)
const isStringRecord = (value: unknown): value is Record<string, string> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(isString)
const isJsOnly = (value: unknown): boolean =>
  typeof value === 'object' &&
  value !== null &&
  Object.keys(value).length === 1 &&
  isString((value as { js?: unknown }).js)
const kebab = (key: string): string => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)
