// A second CDK app, unlike cubewalk's, to show @cubewalk/local serves any synthesized REST API: another resource
// tree under stage `v1`, a REQUEST authorizer whose identity is a header and a query string parameter (cached),
// another one with caching off, an open route, and functions with no cache or parameter behind them.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { App, Duration, Stack } from 'aws-cdk-lib'
import { IdentitySource, LambdaIntegration, RequestAuthorizer, RestApi } from 'aws-cdk-lib/aws-apigateway'
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda'

export const NOTES_STACK = 'NotesStack'

export interface SynthesizedNotesApp {
  /** The cloud assembly directory. */
  readonly outdir: string
  dispose(): void
}

const functionCode = (name: string) =>
  Code.fromAsset(fileURLToPath(new URL(`./functions/${name}`, import.meta.url)))

export function synthesizeNotesApp(): SynthesizedNotesApp {
  const outdir = mkdtempSync(join(tmpdir(), 'local-notes-app-'))
  const app = new App({ outdir })
  const stack = new Stack(app, NOTES_STACK, { env: { region: 'eu-west-1', account: '111122223333' } })

  const gateFn = new LambdaFunction(stack, 'Gate', {
    runtime: Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: functionCode('gate'),
  })
  const notesFn = new LambdaFunction(stack, 'Notes', {
    runtime: Runtime.NODEJS_24_X,
    handler: 'index.handler',
    code: functionCode('notes'),
    environment: { GREETING: 'hello from notes' },
  })

  const cached = new RequestAuthorizer(stack, 'TenantGate', {
    handler: gateFn,
    identitySources: [IdentitySource.header('x-api-key'), IdentitySource.queryString('tenant')],
    resultsCacheTtl: Duration.seconds(60),
  })
  const uncached = new RequestAuthorizer(stack, 'UncachedGate', {
    handler: gateFn,
    identitySources: [IdentitySource.header('x-api-key'), IdentitySource.queryString('tenant')],
    resultsCacheTtl: Duration.seconds(0),
  })

  const api = new RestApi(stack, 'NotesApi', { deployOptions: { stageName: 'v1' } })
  const integration = new LambdaIntegration(notesFn)
  const notes = api.root.addResource('tenants').addResource('{tenantId}').addResource('notes')
  notes.addMethod('GET', integration, { authorizer: cached })
  notes.addResource('{noteId}').addMethod('GET', integration, { authorizer: cached })
  api.root.addResource('drafts').addMethod('POST', integration, { authorizer: uncached })
  api.root.addResource('health').addMethod('GET', integration)

  app.synth()
  return { outdir, dispose: () => rmSync(outdir, { recursive: true, force: true }) }
}
