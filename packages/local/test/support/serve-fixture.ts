// The fixture assembly served by a runner over real HTTP, as the conformance, exactness and fuzz suites use it:
// free port, functions' output hidden, the fixture app's wiring. Also what the echo function answers.

import type { RunnerOptions } from '../../src/runner.js'
import { type Runner, startRunner } from '../../src/runner.js'
import { type CallOptions, call, type HttpResponse } from '../../src/testing/http-client.js'
import { type FixtureAssembly, writeFixtureAssembly } from '../fixture-assembly.js'
import { wiring } from './fixture-wiring.js'

/** The proxy event the echo function received, as it sends it back. */
export interface EchoedEvent {
  resource: string
  path: string
  httpMethod: string
  headers: Record<string, string>
  multiValueHeaders: Record<string, string[]>
  queryStringParameters: Record<string, string> | null
  multiValueQueryStringParameters: Record<string, string[]> | null
  pathParameters: Record<string, string> | null
  body: string | null
  isBase64Encoded: boolean
  requestContext: Record<string, unknown> & { authorizer?: Record<string, unknown> }
}

export interface ServedFixture {
  readonly runner: Runner
  /** One request to the runner: `send('GET', '/prod/open')`. */
  send(method: string, path: string, options?: CallOptions): Promise<HttpResponse>
  /** Stops the runner and removes the assembly. */
  stop(): Promise<void>
}

/** Serves `template` (default: the fixture's own) with `options` on top of the suites' common ones. */
export async function serveFixture(
  options: Omit<Partial<RunnerOptions>, 'assemblyDir'> & { template?: Record<string, unknown> } = {},
): Promise<ServedFixture> {
  const { template, ...runnerOptions } = options
  const assembly: FixtureAssembly = writeFixtureAssembly(template)
  let runner: Runner
  try {
    runner = await startRunner({
      port: 0,
      functionOutput: 'ignore',
      log: () => {},
      wiring,
      ...runnerOptions,
      assemblyDir: assembly.dir,
    })
  } catch (error) {
    assembly.remove()
    throw error
  }
  return {
    runner,
    send: (method, path, callOptions) => call(runner.origin, method, path, callOptions),
    stop: async () => {
      await runner.stop()
      assembly.remove()
    },
  }
}
