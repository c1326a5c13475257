// --watch on a CDK app the tests edit as a developer would (support/watch-app.ts): a save in a function's sources
// serves new code on the next request (a cold start), while the other function stays warm and
// requests in flight finish on the old code; a build error keeps the previous code serving; a change to the stack
// re-synthesizes and reloads the routes.

import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  type InvocationReport,
  type Runner,
  startRunner,
  startWatch,
  type Watch,
  type WatchEvent,
} from '../src/index.js'
import { call } from '../src/testing/http-client.js'
import { createWatchProject, greetingSource, type WatchProject } from './support/watch-app.js'

const KEY = { 'x-api-key': 'key-allow-not-secret' }

let project: WatchProject
let runner: Runner
let watch: Watch
/** A watch closed while the runner ran: closed again once it stopped, which removes the builds it left. */
let closedEarly: Watch | undefined
const reports: InvocationReport[] = []
const logged: string[] = []
let waiters: { accept: (event: WatchEvent) => boolean; resolve: (event: WatchEvent) => void }[] = []

/** Hands a watch event to the tests waiting for one like it. */
function dispatch(event: WatchEvent): void {
  const waiting = waiters
  waiters = waiting.filter((waiter) => !waiter.accept(event))
  for (const waiter of waiting) if (waiter.accept(event)) waiter.resolve(event)
}

beforeAll(async () => {
  project = createWatchProject()
  runner = await startRunner({
    assemblyDir: project.synth(),
    port: 0,
    functionOutput: 'ignore',
    onInvocation: (report) => reports.push(report),
    log: () => {},
    wiring: project.wiring,
  })
  watch = startWatch({
    runner,
    wiring: project.wiring,
    stackPaths: [project.stackFile],
    resynthesize: async () => project.synth(),
    log: (line) => logged.push(line),
    onEvent: dispatch,
  })
  await watch.ready
}, 120_000)

afterAll(async () => {
  await runner?.stop()
  await watch?.close()
  await closedEarly?.close()
  project?.dispose()
})

const nextEvent = (accept: (event: WatchEvent) => boolean) =>
  new Promise<WatchEvent>((resolve) => waiters.push({ accept, resolve }))

const get = (path: string) =>
  call(runner.origin, 'GET', `/v1${path}${path.includes('?') ? '&' : '?'}tenant=acme`, { headers: KEY })

const notes = async (path = '/drafts') => {
  const res = await get(path)
  expect(res.status).toBe(200)
  return res.json() as { greeting: string; loadedAt: number }
}

const reportsOf = (prefix: string, since: number) =>
  reports.slice(since).filter((report) => report.functionLogicalId.startsWith(prefix))

/** Replaces a file as editors do: a new file written beside it, renamed over it. */
function saveAtomically(file: string, content: string): void {
  writeFileSync(`${file}.tmp-save`, content)
  renameSync(`${file}.tmp-save`, file)
}

describe('--watch', () => {
  // The 1 s budget (save to the first request on the new code) is measured by packages/stack/bench/watch-reload.mjs
  // (docs/benchmarks.md): on this shared machine a timed assertion fails with the load, not with the code.
  it('serves a save in a function source file from the next request on, cold; the other function stays warm', async () => {
    expect((await notes()).greeting).toBe('hello v1')
    await notes() // both functions warm now
    const since = reports.length
    const rebuilt = nextEvent((event) => event.kind === 'function')
    // greeting.ts is not the entry: the function's sources are what its bundle imports.
    saveAtomically(project.greetingFile, greetingSource('hello v2'))
    const event = await rebuilt
    expect(event).toMatchObject({ kind: 'function', changed: [project.greetingFile] })
    expect((await notes()).greeting).toBe('hello v2')
    const notesRuns = reportsOf('Notes', since)
    const gateRuns = reportsOf('Gate', since)
    // The first request after the swap was a cold start of a new instance; the authorizer never restarted.
    expect(notesRuns).toHaveLength(1)
    expect(notesRuns[0]?.cold).toBe(true)
    expect(gateRuns.length).toBeGreaterThan(0)
    expect(gateRuns.every((report) => !report.cold)).toBe(true)
    expect(logged.some((line) => /Notes\w* rebuilt in \d+ ms/.test(line))).toBe(true)
  })

  it('lets a request in flight finish on the old code; the next one runs the new', async () => {
    const before = await notes()
    const inFlight = get('/drafts?sleep=600')
    await new Promise((resolve) => setTimeout(resolve, 100))
    const rebuilt = nextEvent((event) => event.kind === 'function')
    writeFileSync(project.greetingFile, greetingSource('hello v3'))
    await rebuilt
    const after = await notes()
    const finished = await inFlight
    expect(finished.status).toBe(200)
    expect((finished.json() as { greeting: string }).greeting).toBe(before.greeting)
    expect(after.greeting).toBe('hello v3')
  })

  it('keeps the function warm when a save changes nothing in its bundle', async () => {
    const before = await notes()
    const unchanged = nextEvent((event) => event.kind === 'function-unchanged')
    writeFileSync(project.greetingFile, greetingSource('hello v3'))
    await unchanged
    const since = reports.length
    const after = await notes()
    expect(after.loadedAt).toBe(before.loadedAt)
    expect(reportsOf('Notes', since).every((report) => !report.cold)).toBe(true)
  })

  it('prints a build error and keeps serving the previous code, then serves the fix', async () => {
    const failed = nextEvent((event) => event.kind === 'error')
    writeFileSync(project.greetingFile, 'export const greeting = ;\n')
    const error = await failed
    expect(error).toMatchObject({ kind: 'error', scope: 'function' })
    const printed = logged.join('\n')
    expect(printed).toMatch(/did not build; the previous code keeps serving/)
    expect(printed).toContain('greeting.ts')
    expect((await notes()).greeting).toBe('hello v3')
    const fixed = nextEvent((event) => event.kind === 'function')
    writeFileSync(project.greetingFile, greetingSource('hello v4'))
    await fixed
    expect((await notes()).greeting).toBe('hello v4')
  })

  it('re-synthesizes on a stack change: a new route is served, a removed one is 403, unchanged functions stay warm', async () => {
    await notes()
    const since = reports.length
    const reloaded = nextEvent((event) => event.kind === 'stack')
    writeFileSync(project.stackFile, JSON.stringify({ routes: ['drafts', 'status'] }))
    const event = await reloaded
    expect(event).toMatchObject({
      kind: 'stack',
      report: { addedRoutes: ['GET /v1/status'], removedRoutes: ['GET /v1/health'] },
    })
    // Notes' synthesized asset changed (its sources did since the first synth); the authorizer's did not.
    if (event.kind !== 'stack') throw new Error('unreachable')
    expect(event.report.replacedFunctions.some((id) => id.startsWith('Notes'))).toBe(true)
    expect(event.report.replacedFunctions.some((id) => id.startsWith('Gate'))).toBe(false)
    expect((await notes('/status')).greeting).toBe('hello v4')
    const removed = await get('/health')
    expect(removed.status).toBe(403)
    expect(removed.json()).toEqual({ message: 'Missing Authentication Token' })
    expect(reportsOf('Gate', since).every((report) => !report.cold)).toBe(true)
  })

  it('keeps the routes when the synth fails', async () => {
    const failed = nextEvent((event) => event.kind === 'error')
    writeFileSync(project.stackFile, '{ not json')
    expect(await failed).toMatchObject({ kind: 'error', scope: 'stack' })
    expect(logged.join('\n')).toMatch(
      /the stack did not synthesize; the previous routes and code keep serving/,
    )
    expect((await notes('/status')).greeting).toBe('hello v4')
  })

  it('rebuilds a directory asset (Code.fromAsset) from its directory', async () => {
    const since = reports.length
    const rebuilt = nextEvent((event) => event.kind === 'function' && event.logicalId.startsWith('Gate'))
    const gate = `${project.gateDir}/index.mjs`
    writeFileSync(gate, readFileSync(gate, 'utf8').replace("['acme', 'globex']", "['globex']"))
    await rebuilt
    const refused = await get('/drafts')
    expect(refused.status).toBe(401)
    expect(reportsOf('Gate', since).at(-1)?.cold).toBe(true)
  })

  it('starts with sources that do not build: the synthesized code serves, and the fix is picked up', async () => {
    const gate = `${project.gateDir}/index.mjs`
    const reopened = nextEvent((event) => event.kind === 'function' && event.logicalId.startsWith('Gate'))
    writeFileSync(gate, readFileSync(gate, 'utf8').replace("['globex']", "['acme', 'globex']"))
    await reopened
    closedEarly = watch
    await watch.close()
    writeFileSync(project.greetingFile, 'export const greeting = ;\n')
    const failed = nextEvent((event) => event.kind === 'error')
    watch = startWatch({
      runner,
      wiring: project.wiring,
      log: (line) => logged.push(line),
      onEvent: dispatch,
    })
    await watch.ready
    expect(await failed).toMatchObject({ kind: 'error', scope: 'function' })
    expect((await notes('/status')).greeting).toBe('hello v4')
    const fixed = nextEvent((event) => event.kind === 'function' && event.logicalId.startsWith('Notes'))
    writeFileSync(project.greetingFile, greetingSource('hello v5'))
    await fixed
    const since = reports.length
    expect((await notes('/status')).greeting).toBe('hello v5')
    expect(reportsOf('Notes', since).at(-1)?.cold).toBe(true)
  })
})
