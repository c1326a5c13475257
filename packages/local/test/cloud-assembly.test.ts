// Reading a cloud assembly as `cdk synth` writes it for apps other than the fixture: stages (nested
// assemblies), several stacks, environments, and the errors that tell the user what to do.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CloudAssemblyError, listStacks, loadStack } from '../src/template/cloud-assembly.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cloud-assembly-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const api = { Api: { Type: 'AWS::ApiGateway::RestApi', Properties: {} } }
const queue = { Queue: { Type: 'AWS::SQS::Queue', Properties: {} } }

function write(file: string, json: unknown): void {
  mkdirSync(join(file, '..'), { recursive: true })
  writeFileSync(file, typeof json === 'string' ? json : JSON.stringify(json))
}

/** A stack artifact with its template, as cdk.out's manifest.json lists it. */
function stack(assemblyDir: string, id: string, resources: unknown, extra: Record<string, unknown> = {}) {
  write(join(assemblyDir, `${id}.template.json`), { Resources: resources })
  return {
    type: 'aws:cloudformation:stack',
    properties: { templateFile: `${id}.template.json` },
    ...extra,
  }
}

describe('listStacks / loadStack', () => {
  it('finds stacks in nested assemblies (CDK stages), with their asset paths and concrete environment', () => {
    const nested = join(dir, 'assembly-Beta')
    write(join(nested, 'Beta-Shop.assets.json'), {
      files: { abc123: { source: { path: 'asset.abc123', packaging: 'zip' } }, broken: { source: {} } },
    })
    write(join(nested, 'manifest.json'), {
      artifacts: {
        'Beta-Shop': stack(nested, 'Beta-Shop', api, {
          environment: 'aws://111122223333/eu-west-1',
          properties: { templateFile: 'Beta-Shop.template.json', stackName: 'Beta-Shop-Stack' },
        }),
        'Beta-Shop.assets': { type: 'cdk:asset-manifest', properties: { file: 'Beta-Shop.assets.json' } },
      },
    })
    write(join(dir, 'manifest.json'), {
      artifacts: {
        Tree: { type: 'cdk:tree' },
        Agnostic: stack(dir, 'Agnostic', queue, { environment: 'aws://unknown-account/unknown-region' }),
        'assembly-Beta': { type: 'cdk:cloud-assembly', properties: { directoryName: 'assembly-Beta' } },
      },
    })
    const stacks = listStacks(dir)
    expect(stacks.map((s) => [s.artifactId, s.stackName, s.environment])).toEqual([
      ['Agnostic', 'Agnostic', {}],
      ['Beta-Shop', 'Beta-Shop-Stack', { accountId: '111122223333', region: 'eu-west-1' }],
    ])
    const beta = loadStack(dir)
    expect(beta.stackName).toBe('Beta-Shop-Stack')
    expect(beta.assemblyDir).toBe(nested)
    expect([...beta.fileAssets]).toEqual([['abc123', join(nested, 'asset.abc123')]])
    expect(loadStack(dir, 'Agnostic').template.Resources).toEqual(queue)
    expect(loadStack(dir, 'Beta-Shop').stackName).toBe('Beta-Shop-Stack')
  })

  it('a stack named but absent: the error lists the stacks there are', () => {
    write(join(dir, 'manifest.json'), {
      artifacts: { One: stack(dir, 'One', api), Two: stack(dir, 'Two', queue) },
    })
    expect(() => loadStack(dir, 'Three')).toThrow(
      new CloudAssemblyError(`stack "Three" not found in ${dir}; stacks: One, Two`),
    )
  })

  it('several stacks with a REST API: asks for --stack; none: says so', () => {
    write(join(dir, 'manifest.json'), {
      artifacts: { One: stack(dir, 'One', api), Two: stack(dir, 'Two', api) },
    })
    expect(() => loadStack(dir)).toThrow(
      'several stacks declare a REST API (One, Two); choose one with --stack',
    )
    write(join(dir, 'manifest.json'), { artifacts: { Two: stack(dir, 'Two', queue) } })
    expect(() => loadStack(dir)).toThrow(`no stack in ${dir} declares an AWS::ApiGateway::RestApi`)
  })

  it('not a cloud assembly, unreadable JSON, a template without Resources: a CloudAssemblyError naming the file', () => {
    expect(() => listStacks(dir)).toThrow(
      `${dir} is not a cloud assembly (no manifest.json). Run \`cdk synth\` first, or start without --no-synth.`,
    )
    write(join(dir, 'manifest.json'), '{"artifacts": ')
    expect(() => listStacks(dir)).toThrow(CloudAssemblyError)
    expect(() => listStacks(dir)).toThrow(`cannot read ${join(dir, 'manifest.json')}: `)
    write(join(dir, 'manifest.json'), {
      artifacts: { Empty: { type: 'aws:cloudformation:stack', properties: { templateFile: 'Empty.json' } } },
    })
    write(join(dir, 'Empty.json'), { Outputs: {} })
    expect(() => listStacks(dir)).toThrow(new CloudAssemblyError('Empty.json has no Resources'))
  })
})
