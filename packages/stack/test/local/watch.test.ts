// --watch on the real cubewalk stack: the synthesized stack served with cubewalk's wiring, whose handlerSource
// names each handler's entry and the esbuild options NodejsFunction bundled it with. The sources edited are a
// copy of packages/handlers/src (inside the repository, so its imports resolve as the originals' do), never the
// real ones: the wiring's entries are pointed at the copy.

import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import {
  type InvocationReport,
  type LocalWiring,
  type Runner,
  startRunner,
  startWatch,
  type Watch,
  type WatchEvent,
} from '@cubewalk/local'
import { type CallOptions, call } from '@cubewalk/local/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cubewalkWiring, handlerSource } from '../../src/local-wiring.js'
import { type Synthesized, synthesize } from '../support/synth.js'

const TOKEN = 'cubewalk-allow'
const handlersRoot = dirname(createRequire(import.meta.url).resolve('@cubewalk/handlers/package.json'))
const handlersSrc = join(handlersRoot, 'src')

let synth: Synthesized
let copy: string
let runner: Runner
let watch: Watch
const reports: InvocationReport[] = []
let onEvent: (event: WatchEvent) => void = () => {}

/** cubewalk's wiring, with every handler entry moved into the copy of the sources. */
const wiringOnCopy = (): LocalWiring => ({
  ...cubewalkWiring,
  functionSource(fn) {
    const source = handlerSource(fn)
    if (source?.kind !== 'esbuild') return source
    return { ...source, entry: join(copy, 'src', relative(handlersSrc, source.entry)) }
  },
})

beforeAll(async () => {
  synth = synthesize()
  mkdirSync(join(handlersRoot, '.tmp'), { recursive: true })
  copy = mkdtempSync(join(handlersRoot, '.tmp', 'watch-test-'))
  cpSync(handlersSrc, join(copy, 'src'), { recursive: true })
  const wiring = wiringOnCopy()
  runner = await startRunner({
    assemblyDir: synth.outdir,
    stackName: synth.stack.stackName,
    port: 0,
    functionOutput: 'ignore',
    onInvocation: (report) => reports.push(report),
    log: () => {},
    wiring,
  })
  watch = startWatch({ runner, wiring, log: () => {}, onEvent: (event) => onEvent(event) })
  await watch.ready
}, 180_000)

afterAll(async () => {
  await runner?.stop()
  await watch?.close()
  synth?.dispose()
  if (copy) rmSync(copy, { recursive: true, force: true })
})

const send = (path: string, options: CallOptions = {}) =>
  call(runner.origin, 'GET', path, { token: TOKEN, ...options })

describe('--watch on the cubewalk stack', () => {
  it('knows the two handlers by their construct path, not the custom resource provider', () => {
    const watched = [...runner.model.functions.values()].filter((fn) => handlerSource(fn) !== undefined)
    expect(watched.map((fn) => fn.cdkPath).sort()).toEqual([
      `${synth.stack.stackName}/Authorizer/Function/Resource`,
      `${synth.stack.stackName}/Blocks/Function/Resource`,
    ])
    expect(watched.map((fn) => handlerSource(fn)?.kind)).toEqual(['esbuild', 'esbuild'])
  })

  it('serves an edit of a blocks route from the next request on; the authorizer stays warm', async () => {
    expect((await send('/prod/cubewalkblocks')).json()).toEqual({ worlds: expect.any(Array) })
    await send('/prod/cubewalkblocks')
    const blocksFn = () => [...runner.model.functions.values()].find((fn) => fn.cdkPath?.includes('/Blocks/'))
    const synthesized = readFileSync(join(blocksFn()?.codeDir as string, 'index.mjs'), 'utf8')
    const since = reports.length
    const route = join(copy, 'src', 'blocks', 'routes', 'list-worlds.ts')
    const original = readFileSync(route, 'utf8')
    const edited = original.replace(
      'worlds: await storeOf(context).listWorlds(),',
      "worlds: await storeOf(context).listWorlds(), edited: 'by the watch test',",
    )
    expect(edited).not.toBe(original)
    const swapped = new Promise<void>((resolve) => {
      onEvent = (event) => {
        if (event.kind === 'function' && event.logicalId === blocksFn()?.logicalId) resolve()
      }
    })
    writeFileSync(route, edited)
    await swapped
    // The first request after the rebuild runs the new code (the 1 s budget is bench/watch-reload.mjs's to measure).
    const body = (await send('/prod/cubewalkblocks')).json()
    expect(body).toEqual({ worlds: expect.any(Array), edited: 'by the watch test' })

    const blocks = blocksFn()
    const authorizers = runner.authorizerFunctions()
    const later = reports.slice(since)
    expect(later.filter((r) => r.functionLogicalId === blocks?.logicalId && r.cold)).toHaveLength(1)
    expect(later.filter((r) => authorizers.includes(r.functionLogicalId) && r.cold)).toHaveLength(0)
    // The rebuilt code is the synthesized bundle's equal (same options: minified ESM, a linked source map), but
    // for the edit.
    const codeDir = blocks?.codeDir as string
    expect(existsSync(join(codeDir, 'index.mjs.map'))).toBe(true)
    const rebuilt = readFileSync(join(codeDir, 'index.mjs'), 'utf8')
    expect(rebuilt.split('\n').length).toBe(synthesized.split('\n').length)
    expect(Math.abs(rebuilt.length - synthesized.length)).toBeLessThan(100)
    expect(rebuilt).toContain('by the watch test')
  })
})
