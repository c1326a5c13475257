// A small CDK app for the --watch tests, written into a temporary project the tests then edit as a developer would:
//  - src/notes.ts (+ src/greeting.ts): the Notes function's TypeScript sources, bundled by esbuild into
//    notes-dist/ before each synth, as NodejsFunction bundles its entry;
//  - gate/index.mjs: the Gate authorizer, a plain directory asset (Code.fromAsset);
//  - stack.json: the "stack sources": which routes the API has.
// Its wiring tells the runner where each function's code comes from (FunctionSource).

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { App, Duration, Stack } from 'aws-cdk-lib'
import { IdentitySource, LambdaIntegration, RequestAuthorizer, RestApi } from 'aws-cdk-lib/aws-apigateway'
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda'
import { buildSync } from 'esbuild'
import type { LocalWiring } from '../../src/index.js'

export const NOTES_ESBUILD_OPTIONS = Object.freeze({
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  sourcemap: true,
  logLevel: 'silent',
})

const NOTES_SOURCE = `import { greeting } from './greeting.ts'

const loadedAt = Date.now()

export const handler = async (event: { queryStringParameters: Record<string, string> | null }) => {
  const sleep = Number(event.queryStringParameters?.sleep ?? 0)
  if (sleep > 0) await new Promise((resolve) => setTimeout(resolve, sleep))
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ greeting, loadedAt }),
  }
}
`

export const greetingSource = (greeting: string) => `export const greeting = ${JSON.stringify(greeting)}\n`

export interface WatchProject {
  readonly dir: string
  readonly notesEntry: string
  readonly greetingFile: string
  readonly gateDir: string
  readonly stackFile: string
  /** Bundles notes and synthesizes the app into a new assembly directory, as `cdk synth` would. */
  synth(): string
  readonly wiring: LocalWiring
  dispose(): void
}

export function createWatchProject(): WatchProject {
  const dir = mkdtempSync(join(tmpdir(), 'local-watch-app-'))
  const notesEntry = join(dir, 'src', 'notes.ts')
  const greetingFile = join(dir, 'src', 'greeting.ts')
  const gateDir = join(dir, 'gate')
  const stackFile = join(dir, 'stack.json')
  mkdirSync(join(dir, 'src'))
  writeFileSync(notesEntry, NOTES_SOURCE)
  writeFileSync(greetingFile, greetingSource('hello v1'))
  cpSync(fileURLToPath(new URL('../second-app/functions/gate', import.meta.url)), gateDir, {
    recursive: true,
  })
  writeFileSync(stackFile, JSON.stringify({ routes: ['drafts', 'health'] }))
  let synths = 0

  const synth = () => {
    const notesDist = join(dir, 'notes-dist')
    rmSync(notesDist, { recursive: true, force: true })
    buildSync({ ...NOTES_ESBUILD_OPTIONS, entryPoints: [notesEntry], outfile: join(notesDist, 'index.mjs') })
    const { routes } = JSON.parse(readFileSync(stackFile, 'utf8')) as { routes: string[] }
    const outdir = join(dir, `cdk.out.${++synths}`)
    const app = new App({ outdir })
    const stack = new Stack(app, 'WatchStack', { env: { region: 'eu-west-1', account: '111122223333' } })
    const gate = new LambdaFunction(stack, 'Gate', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromAsset(gateDir),
    })
    const notes = new LambdaFunction(stack, 'Notes', {
      runtime: Runtime.NODEJS_24_X,
      handler: 'index.handler',
      code: Code.fromAsset(notesDist),
    })
    const authorizer = new RequestAuthorizer(stack, 'TenantGate', {
      handler: gate,
      identitySources: [IdentitySource.header('x-api-key'), IdentitySource.queryString('tenant')],
      resultsCacheTtl: Duration.seconds(0),
    })
    const api = new RestApi(stack, 'NotesApi', { deployOptions: { stageName: 'v1' } })
    const integration = new LambdaIntegration(notes)
    for (const route of routes) api.root.addResource(route).addMethod('GET', integration, { authorizer })
    app.synth()
    return outdir
  }

  const wiring: LocalWiring = {
    functionSource(fn) {
      if (fn.cdkPath === 'WatchStack/Notes/Resource')
        return { kind: 'esbuild', entry: notesEntry, options: NOTES_ESBUILD_OPTIONS }
      if (fn.cdkPath === 'WatchStack/Gate/Resource') return { kind: 'directory', path: gateDir }
      return undefined
    },
  }

  return {
    dir,
    notesEntry,
    greetingFile,
    gateDir,
    stackFile,
    synth,
    wiring,
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  }
}
