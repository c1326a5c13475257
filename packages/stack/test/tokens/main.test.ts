// cubewalk-tokens against a deployed stack, without AWS: CloudFormation and API Gateway through
// aws-sdk-client-mock, the tokens parameter on the local SSM endpoint (AWS_ENDPOINT_URL_SSM). What each command
// prints, where, and that no output carries a token except the new one, once.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { APIGatewayClient, FlushStageAuthorizersCacheCommand } from '@aws-sdk/client-api-gateway'
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation'
import { SSMClient } from '@aws-sdk/client-ssm'
import { RUNNER_STATE_FILE, type SsmEndpoint } from '@cubewalk/local'
import { DEFAULT_IDENTITY, startSsmEndpoint } from '@cubewalk/local/internals'
import { mockClient } from 'aws-sdk-client-mock'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { defaultStackName } from '../../src/app.js'
import { type CommandContext, REVOKE_SETTLE_MS, revoke, successorName } from '../../src/tokens/commands.js'
import { main } from '../../src/tokens/main.js'
import { readStackOutputs } from '../../src/tokens/stack-target.js'
import { TokenStore } from '../../src/tokens/token-store.js'

const parameter = '/Test/tokens'
const seeded = { initial: 'test-token-not-secret-initial', ci: 'test-token-not-secret-ci' }
const cloudFormation = mockClient(CloudFormationClient)
const apiGateway = mockClient(APIGatewayClient)
let endpoint: SsmEndpoint

const outputs = (values: Record<string, string>) =>
  cloudFormation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'Test',
        CreationTime: new Date(),
        StackStatus: 'CREATE_COMPLETE',
        Outputs: Object.entries(values).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
      },
    ],
  })

const run = async (...argv: string[]) => {
  let stdout = ''
  let stderr = ''
  const code = await main(argv, {
    stdout: (text) => {
      stdout += text
    },
    stderr: (text) => {
      stderr += text
    },
    env: {},
  })
  return { code, stdout, stderr }
}
const current = () => JSON.parse(endpoint.get(parameter)?.value ?? 'null') as Record<string, string>

beforeAll(async () => {
  endpoint = await startSsmEndpoint(DEFAULT_IDENTITY)
  vi.stubEnv('AWS_REGION', 'eu-west-1')
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test-not-secret')
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test-not-secret')
  vi.stubEnv('AWS_ENDPOINT_URL_SSM', endpoint.url)
})
afterAll(async () => {
  vi.unstubAllEnvs()
  await endpoint.close()
})
beforeEach(() => {
  cloudFormation.reset()
  apiGateway.reset()
  apiGateway.on(FlushStageAuthorizersCacheCommand).resolves({})
  outputs({ TokensParameter: parameter, ApiId: 'a1b2c3d4e5', ApiStage: 'prod' })
  endpoint.put(parameter, JSON.stringify(seeded))
})

describe('cubewalk-tokens on a deployed stack', () => {
  it('list: names and dates from the stack named by --stack, never a token', async () => {
    const { code, stdout, stderr } = await run('list', '--stack', 'Test')
    expect(code).toBe(0)
    expect(cloudFormation.commandCalls(DescribeStacksCommand)[0]?.args[0].input).toEqual({
      StackName: 'Test',
    })
    expect(stdout).toMatch(/^NAME +ADDED\ninitial +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\nci +\d{4}-/)
    expect(stderr).toContain(`2 tokens in ${parameter}`)
    expect(stdout + stderr).not.toContain('test-token-not-secret')
  })

  it('add: stores a stack-format token and prints it once, alone on stdout', async () => {
    const { code, stdout, stderr } = await run('add', 'game-2027', '--stack', 'Test')
    expect(code).toBe(0)
    const token = stdout.trim()
    expect(stdout).toBe(`${token}\n`)
    expect(token).toMatch(/^cubewalk_[A-Za-z0-9_-]{43}$/)
    expect(current()).toEqual({ ...seeded, 'game-2027': token })
    expect(stderr).toContain(`Added token game-2027 to ${parameter}`)
    expect(stderr).not.toContain(token)
    expect(stdout + stderr).not.toContain('test-token-not-secret')
  })

  it('add refuses a taken name and a name the commands do not create, changing nothing', async () => {
    const version = endpoint.get(parameter)?.version
    for (const name of ['ci', 'no spaces', '.leading-dot', 'x'.repeat(65)]) {
      const { code, stdout, stderr } = await run('add', name, '--stack', 'Test')
      expect(code).toBe(1)
      expect(stdout).toBe('')
      expect(stderr).toMatch(/already exists|is not allowed/)
    }
    expect(endpoint.get(parameter)?.version).toBe(version)
  })

  it('revoke --now: removes the token, then flushes the stage named by the outputs', async () => {
    const { code, stdout, stderr } = await run('revoke', 'ci', '--now', '--stack', 'Test')
    expect(code).toBe(0)
    expect(stdout).toBe('')
    expect(current()).toEqual({ initial: seeded.initial })
    const flushes = apiGateway.commandCalls(FlushStageAuthorizersCacheCommand)
    expect(flushes).toHaveLength(1)
    expect(flushes[0]?.args[0].input).toEqual({ restApiId: 'a1b2c3d4e5', stageName: 'prod' })
    expect(stderr).toContain('ci is refused from now on')
    expect(stdout + stderr).not.toContain('test-token-not-secret')
  }, 20_000)

  it('a malformed parameter: a clear message, exit 1, the value left as it was', async () => {
    endpoint.put(parameter, '{"initial": "test-token-not-secret-initial", "broken": 7}')
    const before = endpoint.get(parameter)
    const { code, stderr } = await run('revoke', 'initial', '--stack', 'Test')
    expect(code).toBe(1)
    expect(stderr).toContain(
      `parameter ${parameter} (version ${before?.version}): entry 2 of 2 must be a non-empty string token, got a number`,
    )
    expect(stderr).not.toContain('test-token-not-secret')
    expect(endpoint.get(parameter)).toEqual(before)
  })

  it('names the fix when the stack does not exist or is not a cubewalk stack', async () => {
    cloudFormation.reset()
    cloudFormation
      .on(DescribeStacksCommand)
      .rejects(Object.assign(new Error('Stack with id Nope does not exist'), { name: 'ValidationError' }))
    const missing = await run('list', '--stack', 'Nope')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('stack Nope does not exist in eu-west-1: pass --stack <name>')
    cloudFormation.reset()
    outputs({ SomethingElse: 'x' })
    const foreign = await run('list')
    expect(foreign.stderr).toContain(`stack ${defaultStackName} has no TokensParameter output`)
  })

  it('usage errors exit 2 with the usage text', async () => {
    for (const argv of [
      ['frobnicate'],
      ['add'],
      ['list', 'x'],
      ['add', 'x', '--now'],
      ['list', '--assembly', 'd'],
    ]) {
      const { code, stderr } = await run(...argv)
      expect(code).toBe(2)
      expect(stderr).toContain('Usage: npm run tokens -- <command> [options]')
    }
    expect((await run('--help')).code).toBe(0)
  })
})

describe('--local', () => {
  it('reads the running npm start from its note, and refuses another --stack than the one it serves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cubewalk-tokens-'))
    try {
      writeFileSync(
        join(dir, RUNNER_STATE_FILE),
        JSON.stringify({
          pid: process.pid,
          stackName: 'Cubewalk',
          region: 'us-east-1',
          origin: 'http://127.0.0.1:1',
          stages: ['prod'],
          endpoints: { ssm: endpoint.url, apiGateway: 'http://127.0.0.1:1' },
          outputs: { TokensParameter: parameter, ApiId: 'abc', ApiStage: 'prod' },
        }),
      )
      const listed = await run('list', '--local', '--assembly', dir)
      expect(listed.code).toBe(0)
      expect(listed.stderr).toContain(`on the local runner (npm start, pid ${process.pid})`)
      expect(cloudFormation.commandCalls(DescribeStacksCommand)).toHaveLength(0)
      const other = await run('list', '--local', '--assembly', dir, '--stack', 'Other')
      expect(other.code).toBe(1)
      expect(other.stderr).toContain('npm start serves stack Cubewalk, not Other')
      rmSync(join(dir, RUNNER_STATE_FILE))
      const gone = await run('list', '--local', '--assembly', dir)
      expect(gone.code).toBe(1)
      expect(gone.stderr).toContain('start `npm start` first')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('revoke --now, step by step', () => {
  it('writes first, waits past the authorizers revalidation age, then flushes', async () => {
    const client = new SSMClient({})
    const steps: string[] = []
    const context: CommandContext = {
      store: new TokenStore(client, parameter),
      io: { out: (line) => steps.push(`out ${line}`), err: () => {} },
      description: 'test',
      flushAuthorizerCache: async () => {
        steps.push(`flush (parameter holds ${Object.keys(current()).join(',')})`)
        return 'API a, stage prod'
      },
      sleep: async (ms) => {
        steps.push(`sleep ${ms}`)
      },
      now: () => new Date(),
    }
    await revoke(context, 'ci', { now: true })
    expect(REVOKE_SETTLE_MS).toBe(6_000)
    expect(steps).toEqual(['sleep 6000', 'flush (parameter holds initial)'])
    client.destroy()
  })

  it('a failed flush says the token is removed but still cached, and how to finish', async () => {
    const client = new SSMClient({})
    const context: CommandContext = {
      store: new TokenStore(client, parameter),
      io: { out: () => {}, err: () => {} },
      description: 'test',
      flushAuthorizerCache: () =>
        Promise.reject(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException' })),
      sleep: async () => {},
      now: () => new Date(),
    }
    await expect(revoke(context, 'ci', { now: true })).rejects.toThrow(
      "ci is removed from the parameter, but flushing API Gateway's authorizer cache failed (AccessDeniedException: not allowed)",
    )
    expect(current()).toEqual({ initial: seeded.initial })
    client.destroy()
  })

  it('is refused before any change when the stack does not name its API', async () => {
    outputs({ TokensParameter: parameter })
    const before = endpoint.get(parameter)
    const { code, stderr } = await run('revoke', 'ci', '--now')
    expect(code).toBe(1)
    expect(stderr).toContain('--now cannot flush its cache; nothing was changed')
    expect(endpoint.get(parameter)).toEqual(before)
  })
})

describe('helpers', () => {
  it('reads the API from BlocksUrl for stacks deployed before the ApiId/ApiStage outputs', () => {
    expect(
      readStackOutputs(
        {
          TokensParameter: '/C/tokens',
          BlocksUrl: 'https://ab12cd34ef.execute-api.eu-west-1.amazonaws.com/prod/cubewalkblocks',
        },
        'C',
      ),
    ).toEqual({ parameterName: '/C/tokens', restApiId: 'ab12cd34ef', stageName: 'prod' })
  })

  it('names a successor after the date, never one that is taken', () => {
    const day = new Date('2026-12-03T10:00:00Z')
    expect(successorName('initial', new Map(), day)).toBe('initial-20261203')
    expect(successorName('initial-20250101', new Map(), day)).toBe('initial-20261203')
    expect(successorName('initial', new Map([['initial-20261203', 't']]), day)).toBe('initial-20261203-2')
    expect(successorName('initial-20261203', new Map([['initial-20261203', 't']]), day)).toBe(
      'initial-20261203-2',
    )
  })
})
