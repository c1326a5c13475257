// `cubewalk-local fault <name> [argument]` (`npm run local -- fault redis:freeze 5s` in cubewalk): finds the
// runner serving the assembly through its local-runner.json note, sends it the fault over its control endpoint,
// and prints what was done. The runner's own terminal shows the fault and, later, what the API answered meanwhile.

import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { ControlUnreachableError, sendFault } from '../faults/control-client.js'
import { FAULT_SPECS, formatFault } from '../faults/fault.js'
import { FaultError } from '../faults/fault-error.js'
import { parseFault } from '../faults/parse-fault.js'
import { RunnerStateError, readRunnerState } from './runner-state.js'

export interface FaultCommandContext {
  /** How the user runs this command, in messages: `npm run local -- fault`. */
  readonly usage: string
  /** How the user starts the runner, in messages: `npm start`. */
  readonly startCommand: string
  /** The CDK app directory whose cdk.out is served, unless --assembly or --app-dir says otherwise. */
  readonly cdkAppDir: string | undefined
}

const faultHelp = (usage: string): string => {
  const width = Math.max(...FAULT_SPECS.map((spec) => `${spec.name} ${spec.usage}`.length))
  const faults = FAULT_SPECS.map((spec) => `  ${`${spec.name} ${spec.usage}`.padEnd(width)}  ${spec.help}`)
  return `Usage: ${usage} <name> [argument] [--assembly <dir>]

Injects a fault into the cache of the running local API (started in another terminal), which prints the
fault and then what the API answered while it lasted and when it recovered.

Faults (a duration is 500ms, 5s, 1.5s or 1m):
${faults.join('\n')}

Options:
  --assembly <dir>   the cloud assembly the runner serves [CUBEWALK_ASSEMBLY] (default: cdk.out of --app-dir)
  --app-dir <dir>    the CDK app whose cdk.out the runner serves
  -h, --help         this text
`
}

export async function faultCommand(argv: string[], context: FaultCommandContext): Promise<number> {
  const fail = (message: string): number => {
    process.stderr.write(`${context.usage}: ${message}\n`)
    return 1
  }
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    return fail(`${(error as Error).message}\n\n${faultHelp(context.usage)}`)
  }
  const { values, positionals } = parsed
  if (values.help) {
    process.stdout.write(faultHelp(context.usage))
    return 0
  }
  let fault: ReturnType<typeof parseFault>
  try {
    fault = parseFault(positionals)
  } catch (error) {
    if (error instanceof FaultError)
      return fail(`${error.message}\n(${context.usage} --help lists the faults)`)
    throw error
  }
  const assemblyDir = resolve(
    values.assembly ??
      (process.env.CUBEWALK_ASSEMBLY ||
        join(values['app-dir'] ?? context.cdkAppDir ?? process.cwd(), 'cdk.out')),
  )
  let control: string
  try {
    const state = readRunnerState(assemblyDir, context.startCommand)
    if (state.endpoints.control === undefined)
      return fail(
        `the runner serving ${assemblyDir} (pid ${state.pid}) takes no faults: restart it with this version`,
      )
    control = state.endpoints.control
  } catch (error) {
    if (error instanceof RunnerStateError) return fail(error.message)
    throw error
  }
  try {
    const reply = await sendFault(control, formatFault(fault))
    if (!reply.ok) return fail(reply.message)
    process.stdout.write(`${reply.fault}: ${reply.done}\n`)
    return 0
  } catch (error) {
    if (error instanceof ControlUnreachableError)
      return fail(
        `the local runner does not answer: ${error.message}; is \`${context.startCommand}\` still running?`,
      )
    throw error
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      assembly: { type: 'string' },
      'app-dir': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
}
