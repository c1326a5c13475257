import { OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs'
import { describe, expect, it } from 'vitest'
import { esbuildToBundlingOptions } from '../src/esbuild-to-cdk.js'
import { handlerBundlingModule, loadHandlerBundling } from '../src/handler-bundling.js'
import { repoRoot } from '../src/paths.js'

describe('esbuildToBundlingOptions', () => {
  it('maps the handlers package options onto NodejsFunction, option for option', async () => {
    expect(loadHandlerBundling()).toEqual({
      forceDockerBundling: false,
      format: OutputFormat.ESM,
      target: 'node24',
      minify: true,
      // Decided by measurement (docs/benchmarks.md); explicit so NodejsFunction gets the same answer.
      keepNames: false,
      sourceMap: true,
      sourceMapMode: SourceMapMode.DEFAULT,
      sourcesContent: false,
      banner: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      externalModules: ['@aws-sdk/*'],
      mainFields: ['module', 'main'],
      tsconfig: `${repoRoot}/tsconfig.json`,
      esbuildArgs: { '--alias': [`node:http=${repoRoot}/packages/handlers/shims/node-http.mjs`] },
      logLevel: 'warning',
    })
    // The very object the handlers package's own bundle script passes to esbuild.
    const { esbuildOptions } = (await import(handlerBundlingModule)) as {
      esbuildOptions: Record<string, unknown>
    }
    expect(loadHandlerBundling()).toEqual(esbuildToBundlingOptions(esbuildOptions))
  })

  it('maps every source map mode', () => {
    const modes = {
      linked: SourceMapMode.DEFAULT,
      external: SourceMapMode.EXTERNAL,
      inline: SourceMapMode.INLINE,
      both: SourceMapMode.BOTH,
    }
    for (const [sourcemap, mode] of Object.entries(modes)) {
      expect(esbuildToBundlingOptions({ sourcemap })).toMatchObject({ sourceMap: true, sourceMapMode: mode })
    }
    expect(esbuildToBundlingOptions({ sourcemap: false })).toMatchObject({ sourceMap: false })
  })

  it('passes plain CLI options through and ignores the per-function ones', () => {
    expect(
      esbuildToBundlingOptions({
        legalComments: 'none',
        conditions: ['node', 'import'],
        entryPoints: ['x.ts'],
        outfile: 'out.mjs',
        define: { DEBUG: 'false' },
        keepNames: true,
        alias: { 'node:http': './shim.mjs', lodash: 'lodash-es' },
      }),
    ).toEqual({
      forceDockerBundling: false,
      define: { DEBUG: 'false' },
      keepNames: true,
      esbuildArgs: {
        '--legal-comments': 'none',
        '--conditions': 'node,import',
        '--alias': ['node:http=./shim.mjs', 'lodash=lodash-es'],
      },
    })
  })

  it('refuses options it cannot honour instead of bundling differently', () => {
    expect(() => esbuildToBundlingOptions({ plugins: [] })).toThrow(
      /'plugins' has no NodejsFunction equivalent/,
    )
    expect(() => esbuildToBundlingOptions({ platform: 'browser' })).toThrow(/'platform' must be 'node'/)
    expect(() => esbuildToBundlingOptions({ bundle: false })).toThrow(/'bundle' must be true/)
    expect(() => esbuildToBundlingOptions({ banner: { css: '/* */' } })).toThrow(
      /'banner' must be \{ js: string \}/,
    )
    expect(() => esbuildToBundlingOptions({ sourcemap: 'yes' })).toThrow(/sourcemap/)
  })
})
