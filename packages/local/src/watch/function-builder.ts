// Rebuilds one function's code for `--watch`, from the source its application declared (wiring.ts,
// FunctionSource): an esbuild bundle (kept as an incremental esbuild context, so a one-file change rebuilds in
// tens of milliseconds) or a plain directory (copied). Each build is written to a new directory, complete before
// anything points at it: a staging directory renamed into place, so a cold start never reads half a bundle.
// Files of the synthesized asset that the build does not produce (installed node_modules, data files) are
// linked into each new directory.

import { createHash } from 'node:crypto'
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { FunctionModel } from '../template/api-model.js'
import type { FunctionSource } from '../wiring.js'

/** The part of esbuild's API used here (the app's own esbuild, the one its NodejsFunctions bundle with). */
export interface Esbuild {
  context(options: Record<string, unknown>): Promise<EsbuildContext>
  formatMessages(
    messages: unknown[],
    options: { kind: 'error' | 'warning'; color?: boolean },
  ): Promise<string[]>
}

interface EsbuildContext {
  rebuild(): Promise<{
    outputFiles?: { path: string; contents: Uint8Array; hash: string }[]
    metafile?: { inputs: Record<string, unknown> }
  }>
  dispose(): Promise<void>
}

/** A build that failed: esbuild's messages, formatted as esbuild prints them. */
export class FunctionBuildError extends Error {
  readonly logicalId: string
  readonly details: string

  constructor(logicalId: string, details: string) {
    super(`${logicalId}: build failed\n${details}`)
    this.name = 'FunctionBuildError'
    this.logicalId = logicalId
    this.details = details
  }
}

/** esbuild from the application's directory (NodejsFunction bundles with that one), else this package's. */
export async function loadEsbuild(fromDir: string): Promise<Esbuild> {
  for (const base of [join(fromDir, 'package.json'), import.meta.filename]) {
    try {
      const path = createRequire(base).resolve('esbuild')
      return (await import(pathToFileURL(path).href)) as Esbuild
    } catch {
      // Try the next place.
    }
  }
  throw new Error(
    `esbuild is not installed for ${fromDir}: --watch rebuilds bundles with it (npm i -D esbuild)`,
  )
}

const MODULE_EXTENSIONS = ['.js', '.mjs', '.cjs']

function workingDirOf(source: FunctionSource): string {
  const dir = source.kind === 'esbuild' ? source.options?.absWorkingDir : undefined
  return typeof dir === 'string' ? dir : process.cwd()
}

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) yield* filesUnder(path)
    else if (entry.isFile()) yield path
  }
}

export class FunctionBuilder {
  /** The files the last build read (absolute paths): a change to one of them rebuilds this function. */
  readonly inputs = new Set<string>()
  private generation = 0
  private lastHash: string | undefined
  readonly logicalId: string
  readonly source: FunctionSource
  private readonly outDir: string
  /** The synthesized asset: what the build does not produce comes from there. */
  private readonly assetDir: string | undefined
  private readonly context: EsbuildContext | undefined
  private readonly esbuild: Esbuild | undefined
  /** Where esbuild resolves the metafile's relative input paths from. */
  private readonly workingDir: string

  private constructor(
    fn: FunctionModel,
    source: FunctionSource,
    workDir: string,
    bundler?: { context: EsbuildContext; esbuild: Esbuild },
  ) {
    this.logicalId = fn.logicalId
    this.source = source
    this.outDir = join(workDir, fn.logicalId)
    this.assetDir = fn.codeDir
    this.context = bundler?.context
    this.esbuild = bundler?.esbuild
    this.workingDir = workingDirOf(source)
  }

  /**
   * A builder for `fn`, after a first build that learns which files the function reads (its result is not
   * served: the synthesized asset was built from the same sources).
   */
  static async create(
    fn: FunctionModel,
    source: FunctionSource,
    workDir: string,
    loadBundler: () => Promise<Esbuild>,
  ): Promise<FunctionBuilder> {
    if (source.kind === 'directory') {
      const builder = new FunctionBuilder(fn, source, workDir)
      builder.learnDirectory()
      return builder
    }
    const esbuild = await loadBundler()
    const options = source.options ?? {}
    const module = /^([^.]*)\./.exec(fn.handler)?.[1] ?? 'index'
    const existing = MODULE_EXTENSIONS.find((ext) => fn.codeDir && existsSync(join(fn.codeDir, module + ext)))
    const extension = existing ?? (options.format === 'esm' ? '.mjs' : '.js')
    const outDir = join(workDir, fn.logicalId)
    const context = await esbuild.context({
      ...options,
      entryPoints: [source.entry],
      // Every generation directory sits at the same depth as `build`, so the source map's relative paths hold.
      outfile: join(outDir, 'build', module + extension),
      outdir: undefined,
      write: false,
      metafile: true,
      // Errors are printed once, by the watch, with the function's name.
      logLevel: 'silent',
      absWorkingDir: workingDirOf(source),
    })
    const builder = new FunctionBuilder(fn, source, workDir, { context, esbuild })
    try {
      await builder.build(false)
    } catch (error) {
      // The sources do not build now: the synthesized asset keeps serving, and a save tries again.
      await context.dispose()
      throw error
    }
    return builder
  }

  /**
   * Builds the function's code into a new directory and returns it; `undefined` when the output is the same as
   * the last build's (a save that changed nothing the bundle holds keeps the function warm), unless `force`.
   */
  async build(swap = true, force = false): Promise<string | undefined> {
    const source = this.source
    if (source.kind === 'directory') {
      this.learnDirectory()
      return this.publish((staging) => cpSync(source.path, staging, { recursive: true }))
    }
    const context = this.context as EsbuildContext
    let result: Awaited<ReturnType<EsbuildContext['rebuild']>>
    try {
      result = await context.rebuild()
    } catch (error) {
      const messages = (error as { errors?: unknown[] }).errors
      if (!Array.isArray(messages) || !this.esbuild) throw error
      const formatted = await this.esbuild.formatMessages(messages, { kind: 'error', color: false })
      throw new FunctionBuildError(this.logicalId, formatted.join('').trimEnd())
    }
    this.inputs.clear()
    for (const input of Object.keys(result.metafile?.inputs ?? {})) {
      // Virtual modules (`<define:...>`, `(disabled):...`) have no file to watch.
      const file = resolve(this.workingDir, input)
      if (existsSync(file)) this.inputs.add(file)
    }
    const outputs = result.outputFiles ?? []
    const hash = createHash('sha256')
    for (const file of outputs) hash.update(`${file.path}\n${file.hash}\n`)
    const digest = hash.digest('hex')
    const unchanged = digest === this.lastHash
    this.lastHash = digest
    if (!swap || (unchanged && !force)) return undefined
    const buildDir = join(this.outDir, 'build')
    return this.publish((staging) => {
      for (const file of outputs) {
        const target = join(staging, relative(buildDir, file.path))
        mkdirSync(dirname(target), { recursive: true })
        writeFileSync(target, file.contents)
      }
    })
  }

  async dispose(): Promise<void> {
    await this.context?.dispose()
  }

  /** A directory source: every file under it is an input. */
  private learnDirectory(): void {
    if (this.source.kind !== 'directory') return
    this.inputs.clear()
    for (const file of filesUnder(this.source.path)) this.inputs.add(file)
  }

  /** Writes a generation into a staging directory, links in the rest of the asset, then renames it into place. */
  private publish(write: (staging: string) => void): string {
    const generation = ++this.generation
    const staging = join(this.outDir, `${generation}.staging`)
    const final = join(this.outDir, String(generation))
    rmSync(staging, { recursive: true, force: true })
    mkdirSync(staging, { recursive: true })
    write(staging)
    if (this.assetDir && existsSync(this.assetDir)) {
      for (const name of readdirSync(this.assetDir)) {
        const target = join(staging, name)
        if (existsSync(target)) continue
        const from = join(this.assetDir, name)
        symlinkSync(from, target, statSync(from).isDirectory() ? 'dir' : 'file')
      }
    }
    renameSync(staging, final)
    // Two generations back, every instance has been retired and loaded what it needed long ago.
    rmSync(join(this.outDir, String(generation - 2)), { recursive: true, force: true })
    return final
  }
}
