// `--watch`: a save in a function's sources rebuilds that function alone (its next invocation is a cold start
// of the new code, usually well under a second after the save); a save anywhere else the stack's synthesis reads
// re-synthesizes and reloads the routes. What runs keeps running: invocations in flight finish on the code they
// started with, untouched functions keep their warm instances, and a build or synth that fails is printed while
// the previous code and routes keep serving (docs/local.md, "Watch mode").

import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative, resolve, sep } from 'node:path'
import type { ReloadReport, Runner } from '../runner.js'
import type { FunctionModel } from '../template/api-model.js'
import type { FunctionSource, LocalWiring } from '../wiring.js'
import { type Esbuild, FunctionBuildError, FunctionBuilder, loadEsbuild } from './function-builder.js'
import { SourceTreeWatcher } from './source-tree-watcher.js'

/** What a watch did, for the console and for tests and benches that time it. */
export type WatchEvent =
  | { kind: 'function'; logicalId: string; ms: number; changed: readonly string[] }
  | { kind: 'function-unchanged'; logicalId: string; ms: number }
  | { kind: 'stack'; ms: number; report: ReloadReport; changed: readonly string[] }
  | { kind: 'error'; scope: 'function' | 'stack'; name: string; message: string }

export interface WatchOptions {
  runner: Runner
  wiring?: LocalWiring
  /** Files and directories the stack's synthesis reads: a change there (outside a function's sources) re-synthesizes. */
  stackPaths?: readonly string[]
  /** Synthesizes the stack again and resolves with the cloud assembly to serve; without it, only functions rebuild. */
  resynthesize?: () => Promise<string>
  /** The CDK app directory: esbuild is resolved from there, and messages name files relative to it. Default: cwd. */
  appDir?: string
  log?: (line: string) => void
  onEvent?: (event: WatchEvent) => void
  /** How long events must be quiet before a batch is handled. */
  quietMs?: number
}

export interface Watch {
  /** Resolves once every function's sources are known and watched. */
  readonly ready: Promise<void>
  /**
   * Stops watching and removes its builds; while the runner still runs, the builds it serves stay (in the
   * temporary directory) until the process exits or a later `close()` after `runner.stop()`.
   */
  close(): Promise<void>
}

/** A function build that runs one at a time; a save during a build asks for one more after it. */
interface Slot {
  builder: FunctionBuilder | undefined
  source: FunctionSource
  running: Promise<void> | undefined
  again: boolean
  changed: Set<string>
}

const sameSource = (a: FunctionSource, b: FunctionSource) => JSON.stringify(a) === JSON.stringify(b)

export function startWatch(options: WatchOptions): Watch {
  const { runner, wiring } = options
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const emit = (event: WatchEvent) => options.onEvent?.(event)
  const appDir = resolve(options.appDir ?? process.cwd())
  const workDir = mkdtempSync(join(tmpdir(), 'cubewalk-local-watch-'))
  process.once('exit', () => rmSync(workDir, { recursive: true, force: true }))
  const stackPaths = (options.stackPaths ?? []).map((path) => resolve(path))
  let esbuild: Promise<Esbuild> | undefined
  const loadBundler = () => {
    esbuild ??= loadEsbuild(appDir)
    return esbuild
  }
  const slots = new Map<string, Slot>()
  let closed = false

  const watcher = new SourceTreeWatcher((paths) => onChanges(paths), options.quietMs)
  for (const path of stackPaths) watcher.add(path)

  const watchInputs = (builder: FunctionBuilder) => {
    if (builder.source.kind === 'directory') watcher.add(builder.source.path)
    for (const input of builder.inputs) {
      if (!input.split(sep).includes('node_modules')) watcher.add(input)
    }
  }

  const failed = (scope: 'function' | 'stack', name: string, error: unknown) => {
    const message =
      error instanceof FunctionBuildError ? error.details : ((error as Error).message ?? String(error))
    const what =
      scope === 'function'
        ? `${name} did not build; the previous code keeps serving`
        : 'the stack did not synthesize; the previous routes and code keep serving'
    log(`\nwatch: ${what}.\n${message}\n`)
    emit({ kind: 'error', scope, name, message })
  }

  /** Builders for the functions the wiring gives a source, created (or dropped) to follow the model. */
  const syncSlots = async () => {
    const functions = runner.model.functions
    for (const [logicalId, slot] of slots) {
      const fn = functions.get(logicalId)
      const source = fn && wiring?.functionSource?.(fn)
      if (!source || !sameSource(source, slot.source)) {
        slots.delete(logicalId)
        void slot.builder?.dispose()
      }
    }
    const created: Promise<void>[] = []
    for (const fn of functions.values()) {
      if (slots.has(fn.logicalId) || !fn.codeDir) continue
      const source = wiring?.functionSource?.(fn)
      if (!source) continue
      const slot: Slot = { builder: undefined, source, running: undefined, again: false, changed: new Set() }
      slots.set(fn.logicalId, slot)
      created.push(createBuilder(fn, slot))
    }
    await Promise.all(created)
  }

  const createBuilder = async (fn: FunctionModel, slot: Slot) => {
    const starting = (async () => {
      try {
        slot.builder = await FunctionBuilder.create(fn, slot.source, workDir, loadBundler)
        watchInputs(slot.builder)
      } catch (error) {
        // Which files it reads is unknown until it builds: every save beside its entry tries again.
        if (slot.source.kind === 'esbuild') watcher.add(dirname(slot.source.entry))
        failed('function', fn.logicalId, error)
      }
    })()
    slot.running = starting
    await starting
    slot.running = undefined
    // Saves during the first build: the code it learnt from may already be the new one, so it is served.
    if (slot.again) rebuild(fn.logicalId, slot, true)
  }

  const rebuild = (logicalId: string, slot: Slot, force = false) => {
    if (slot.running) {
      slot.again = true
      return
    }
    slot.again = false
    const changed = [...slot.changed]
    slot.changed.clear()
    const began = performance.now()
    slot.running = (async () => {
      try {
        if (!slot.builder) {
          const fn = runner.model.functions.get(logicalId)
          if (!fn) return
          slot.builder = await FunctionBuilder.create(fn, slot.source, workDir, loadBundler)
          force = true
        }
        const codeDir = await slot.builder.build(true, force)
        watchInputs(slot.builder)
        if (closed) return
        const ms = performance.now() - began
        if (!codeDir) {
          emit({ kind: 'function-unchanged', logicalId, ms })
          return
        }
        runner.replaceCode(logicalId, codeDir)
        log(
          `watch: ${logicalId} rebuilt in ${Math.round(ms)} ms; its next invocation starts cold on the new code`,
        )
        emit({ kind: 'function', logicalId, ms, changed })
      } catch (error) {
        failed('function', logicalId, error)
      }
    })()
    void slot.running.finally(() => {
      slot.running = undefined
      if (slot.again && !closed) rebuild(logicalId, slot)
    })
  }

  let synthesizing: Promise<void> | undefined
  let synthAgain = false
  const stackChanges = new Set<string>()
  const resynth = () => {
    const resynthesize = options.resynthesize
    if (!resynthesize) return
    if (synthesizing) {
      synthAgain = true
      return
    }
    synthAgain = false
    const changed = [...stackChanges]
    stackChanges.clear()
    const began = performance.now()
    const what = changed.length === 1 ? relative(appDir, changed[0] as string) : `${changed.length} files`
    log(`watch: ${what} changed: synthesizing the stack again`)
    synthesizing = (async () => {
      try {
        const assemblyDir = await resynthesize()
        if (closed) return
        const report = runner.reload(assemblyDir)
        await syncSlots()
        const ms = performance.now() - began
        log(describeReload(report, ms))
        emit({ kind: 'stack', ms, report, changed })
      } catch (error) {
        failed('stack', runner.model.stackName, error)
      }
    })()
    void synthesizing.finally(() => {
      synthesizing = undefined
      if (synthAgain && !closed) resynth()
    })
  }

  const onChanges = (paths: string[]) => {
    if (closed) return
    let stackChanged = false
    for (const path of paths) {
      let owned = false
      for (const [logicalId, slot] of slots) {
        const inSource =
          slot.builder?.inputs.has(path) ||
          (slot.source.kind === 'directory' && path.startsWith(slot.source.path + sep)) ||
          (slot.source.kind === 'esbuild' &&
            !slot.builder &&
            path.startsWith(dirname(resolve(slot.source.entry)) + sep))
        if (!inSource) continue
        owned = true
        slot.changed.add(path)
        if (slot.running) slot.again = true
        else rebuild(logicalId, slot)
      }
      if (!owned && stackPaths.some((root) => path === root || path.startsWith(root + sep))) {
        stackChanged = true
        stackChanges.add(path)
      }
    }
    if (stackChanged) resynth()
  }

  const ready = syncSlots()
  let stopping: Promise<void> | undefined
  return {
    ready,
    async close() {
      closed = true
      stopping ??= (async () => {
        watcher.close()
        await ready.catch(() => {})
        await Promise.all([...slots.values()].map((slot) => slot.running))
        await synthesizing
        await Promise.all([...slots.values()].map((slot) => slot.builder?.dispose()))
      })()
      await stopping
      // Code a running runner still serves stays (until the process exits, or a close after the runner's stop).
      const served = new Set(
        runner.stopped ? [] : [...runner.model.functions.values()].map((fn) => fn.codeDir),
      )
      for (const logicalId of existsSync(workDir) ? readdirSync(workDir) : []) {
        for (const generation of readdirSync(join(workDir, logicalId))) {
          const dir = join(workDir, logicalId, generation)
          if (!served.has(dir)) rmSync(dir, { recursive: true, force: true })
        }
      }
      if (runner.stopped) rmSync(workDir, { recursive: true, force: true })
    },
  }
}

function describeReload(report: ReloadReport, ms: number): string {
  const parts = [`watch: stack reloaded in ${(ms / 1000).toFixed(1)} s`]
  for (const route of report.addedRoutes) parts.push(`  + ${route}`)
  for (const route of report.removedRoutes) parts.push(`  - ${route}`)
  if (report.replacedFunctions.length > 0)
    parts.push(`  new cold start for: ${report.replacedFunctions.join(', ')}`)
  if (parts.length === 1) parts[0] += ' (no route or function changed)'
  return parts.join('\n')
}
