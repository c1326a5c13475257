// While the command line serves an assembly it leaves a note in it, `local-runner.json`: where its local AWS
// endpoints listen and the stack's resolved outputs. A tool that talks to AWS (a deploy script, a token command)
// reads it to aim its SDK clients at the running runner instead of at AWS, the way it would read the real
// stack's outputs from CloudFormation. The note holds addresses and outputs only; never a token.

import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Runner } from '../runner.js'

export const RUNNER_STATE_FILE = 'local-runner.json'

export interface RunnerState {
  /** The runner's process; the note is stale once it is gone. */
  readonly pid: number
  readonly stackName: string
  readonly region: string
  /** `http://127.0.0.1:3000` */
  readonly origin: string
  readonly stages: readonly string[]
  /**
   * Base URLs for the AWS SDK's `endpoint` option (or AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL_API_GATEWAY), and
   * the runner's own control endpoint, where the `fault` command sends faults (absent: the runner takes none).
   */
  readonly endpoints: { readonly ssm: string; readonly apiGateway: string; readonly control?: string }
  readonly outputs: Readonly<Record<string, string>>
}

export class RunnerStateError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RunnerStateError'
  }
}

export function writeRunnerState(assemblyDir: string, runner: Runner, control?: string): string {
  const state: RunnerState = {
    pid: process.pid,
    stackName: runner.model.stackName,
    region: runner.region,
    origin: runner.origin,
    stages: runner.stages,
    endpoints: {
      ssm: runner.ssm.url,
      apiGateway: runner.apiGateway.url,
      ...(control === undefined ? {} : { control }),
    },
    outputs: runner.outputs,
  }
  const file = join(assemblyDir, RUNNER_STATE_FILE)
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`)
  return file
}

/** Removes the note if it is still this process's (a later runner on the same assembly may have replaced it). */
export function removeRunnerState(assemblyDir: string): void {
  const file = join(assemblyDir, RUNNER_STATE_FILE)
  try {
    const state = JSON.parse(readFileSync(file, 'utf8')) as Partial<RunnerState>
    if (state.pid === process.pid) rmSync(file, { force: true })
  } catch {
    // Already gone or unreadable: nothing of ours to remove.
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The note of the runner serving `assemblyDir`; a clear error when none is running. */
export function readRunnerState(assemblyDir: string, command = 'npm start'): RunnerState {
  const file = join(assemblyDir, RUNNER_STATE_FILE)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new RunnerStateError(
      `no local runner is serving ${assemblyDir} (${file} is missing): start \`${command}\` first`,
    )
  }
  let state: RunnerState
  try {
    state = JSON.parse(text) as RunnerState
  } catch {
    throw new RunnerStateError(`${file} is not valid JSON; restart \`${command}\``)
  }
  if (
    typeof state.pid !== 'number' ||
    typeof state.endpoints?.ssm !== 'string' ||
    typeof state.endpoints?.apiGateway !== 'string' ||
    !['string', 'undefined'].includes(typeof state.endpoints.control) ||
    typeof state.outputs !== 'object'
  ) {
    throw new RunnerStateError(`${file} is not a local runner note; restart \`${command}\``)
  }
  if (!isAlive(state.pid)) {
    throw new RunnerStateError(
      `the local runner that wrote ${file} (pid ${state.pid}) is no longer running: start \`${command}\` first`,
    )
  }
  return state
}
