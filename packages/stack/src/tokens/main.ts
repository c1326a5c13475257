// `cubewalk-tokens` (`npm run tokens -- …` from the repository root): the command line over commands.ts.
// docs/deploy.md#tokens-listing-adding-rotating-revoking documents it; `--help` prints the same summary.

import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { FlushStageAuthorizersCacheCommand } from '@aws-sdk/client-api-gateway'
import { RunnerStateError } from '@cubewalk/local'
import { defaultStackName } from '../default-stack-name.js'
import { add, type CommandContext, CommandError, listTokens, revoke, rotate } from './commands.js'
import { resolveTarget, TargetError, type TokensTarget } from './stack-target.js'
import { TokenMapError } from './token-map.js'
import { ConcurrentEditError, TokenStore } from './token-store.js'

const defaultAssembly = fileURLToPath(new URL('../../cdk.out', import.meta.url))

export const usage = `Usage: npm run tokens -- <command> [options]     (or: cubewalk-tokens <command> [options])

Commands:
  list                 the tokens' names and when each was added (never a token)
  add NAME             generate a token (as the stack does), store it under NAME, print it once
  revoke NAME          remove the token NAME (refused for the last one)
  revoke NAME --now    also cut it off within seconds: waits until warm authorizers re-check it, then flushes
                       API Gateway's authorizer cache for the stage
  rotate NAME          add a successor of NAME (NAME-YYYYMMDD, or --as NEW), print it once, say what to do next

Options:
  --stack <name>       the deployed stack (default: CUBEWALK_STACK, else ${defaultStackName}); its outputs name the
                       tokens parameter and the API. Region and credentials: the usual AWS environment
                       (AWS_REGION, AWS_PROFILE, ...), or --region
  --region <region>    the stack's region
  --local              act on \`npm start\` (its local SSM and API Gateway endpoints) instead of AWS
  --assembly <dir>     with --local: the cloud assembly npm start serves (default packages/stack/cdk.out)
  --as <name>          with rotate: the successor's name
  --json               with list: JSON
  -h, --help           this text

A new token is printed alone on stdout (capture it with npm run -s); every message goes to stderr.
`

export interface MainIo {
  readonly stdout: (text: string) => void
  readonly stderr: (text: string) => void
  readonly env: Readonly<Record<string, string | undefined>>
}

const processIo: MainIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
}

class UsageError extends Error {}

const parse = (argv: string[]) => {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      stack: { type: 'string' },
      region: { type: 'string' },
      local: { type: 'boolean' },
      assembly: { type: 'string' },
      now: { type: 'boolean' },
      as: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  const [command, name, ...extra] = positionals
  if (extra.length > 0) throw new UsageError(`unexpected argument ${extra[0]}`)
  const needsName = command === 'add' || command === 'revoke' || command === 'rotate'
  if (command !== undefined && command !== 'list' && !needsName)
    throw new UsageError(`unknown command ${command}`)
  if (needsName && name === undefined) throw new UsageError(`${command} needs a token NAME`)
  if (command === 'list' && name !== undefined) throw new UsageError('list takes no NAME')
  if (values.now && command !== 'revoke') throw new UsageError('--now goes with revoke')
  if (values.as !== undefined && command !== 'rotate') throw new UsageError('--as goes with rotate')
  if (values.json && command !== 'list') throw new UsageError('--json goes with list')
  if (values.assembly !== undefined && !values.local) throw new UsageError('--assembly goes with --local')
  return { values, command, name: name as string }
}

const flusherFor = (target: TokensTarget) => {
  const { restApiId, stageName } = target
  if (restApiId === undefined || stageName === undefined) return undefined
  return async () => {
    await target.apiGateway.send(new FlushStageAuthorizersCacheCommand({ restApiId, stageName }))
    return `API ${restApiId}, stage ${stageName}`
  }
}

/** Runs one command; resolves to the exit code (0 done, 1 failed, 2 wrong usage). */
export const main = async (argv: string[], io: MainIo = processIo): Promise<number> => {
  let parsed: ReturnType<typeof parse>
  try {
    parsed = parse(argv)
  } catch (error) {
    io.stderr(`cubewalk-tokens: ${(error as Error).message}\n\n${usage}`)
    return 2
  }
  const { values, command, name } = parsed
  if (values.help || command === undefined) {
    ;(values.help ? io.stdout : io.stderr)(usage)
    return values.help ? 0 : 2
  }
  let target: TokensTarget | undefined
  try {
    target = await resolveTarget({
      stackName: values.stack ?? io.env.CUBEWALK_STACK ?? defaultStackName,
      stackNamed: values.stack !== undefined,
      region: values.region,
      localAssembly: values.local ? (values.assembly ?? defaultAssembly) : undefined,
    })
    const context: CommandContext = {
      store: new TokenStore(target.ssm, target.parameterName),
      io: { out: (line) => io.stdout(`${line}\n`), err: (line) => io.stderr(`${line}\n`) },
      description: target.description,
      flushAuthorizerCache: flusherFor(target),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      now: () => new Date(),
    }
    if (command === 'list') await listTokens(context, { json: values.json === true })
    else if (command === 'add') await add(context, name)
    else if (command === 'revoke') await revoke(context, name, { now: values.now === true })
    else await rotate(context, name, values.as === undefined ? {} : { as: values.as })
    return 0
  } catch (error) {
    // SDK and command errors name parameters, versions and token names, never a token. An AWS error keeps its
    // name (ParameterNotFound, AccessDeniedException, ...), which is what one searches for.
    const { name: kind, message } = error as Error
    const ours =
      error instanceof TokenMapError || error instanceof ConcurrentEditError || error instanceof CommandError
    const named = !ours && !(error instanceof TargetError) && !(error instanceof RunnerStateError)
    io.stderr(`cubewalk-tokens: ${named && kind && kind !== 'Error' ? `${kind}: ` : ''}${message}\n`)
    return 1
  } finally {
    target?.ssm.destroy()
    target?.apiGateway.destroy()
  }
}
