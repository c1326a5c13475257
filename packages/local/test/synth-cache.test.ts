// The synth cache's key: the same inputs give the same key, and each thing a synthesis reads (a declared source
// file, a new file in a declared directory, cdk.json, a CDK_ variable, a declared variable, the Node version)
// changes it. An assembly is fresh only with its key file and its manifest.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { forgetSynthKey, recordSynthKey } from '../src/cli/synth-cache.js'
import { isAssemblyFresh, type SynthInputs, synthCacheKey } from '../src/index.js'

let app: string
const inputs: SynthInputs = { paths: ['src', '../lib/handler.ts'], env: ['STAGE_NAME'] }
const env = { CDK_DEFAULT_REGION: 'eu-west-1', STAGE_NAME: 'prod', HOME_UNRELATED: 'x' }

beforeEach(() => {
  const root = mkdtempSync(join(tmpdir(), 'synth-cache-'))
  app = join(root, 'app')
  mkdirSync(join(app, 'src'), { recursive: true })
  mkdirSync(join(root, 'lib'))
  writeFileSync(join(app, 'cdk.json'), '{"app":"node src/main.mjs"}')
  writeFileSync(join(app, 'src', 'main.mjs'), 'export {}\n')
  writeFileSync(join(root, 'lib', 'handler.ts'), 'export const handler = 1\n')
})
afterEach(() => rmSync(join(app, '..'), { recursive: true, force: true }))

describe('synthCacheKey', () => {
  it('is stable for unchanged inputs, and ignores unrelated variables and node_modules/cdk.out', () => {
    const key = synthCacheKey(app, inputs, env, 'v24.1.0')
    mkdirSync(join(app, 'src', 'node_modules'))
    writeFileSync(join(app, 'src', 'node_modules', 'x.js'), '1')
    mkdirSync(join(app, 'cdk.out'))
    writeFileSync(join(app, 'cdk.out', 'manifest.json'), '{}')
    expect(synthCacheKey(app, inputs, { ...env, HOME_UNRELATED: 'y' }, 'v24.1.0')).toBe(key)
  })

  it('changes with every input a synthesis reads', () => {
    const key = () => synthCacheKey(app, inputs, env, 'v24.1.0')
    const keys = new Set([key()])
    const changes: Array<() => string> = [
      () => {
        writeFileSync(join(app, 'src', 'main.mjs'), 'export const changed = 1\n')
        return key()
      },
      () => {
        writeFileSync(join(app, 'src', 'new-construct.mjs'), 'export {}\n')
        return key()
      },
      () => {
        writeFileSync(join(app, '..', 'lib', 'handler.ts'), 'export const handler = 2\n')
        return key()
      },
      () => {
        writeFileSync(join(app, 'cdk.json'), '{"app":"node src/main.mjs","context":{"flag":true}}')
        return key()
      },
      () => {
        writeFileSync(join(app, 'cdk.context.json'), '{"availability-zones":["a"]}')
        return key()
      },
      () => synthCacheKey(app, inputs, { ...env, CDK_DEFAULT_REGION: 'us-east-1' }, 'v24.1.0'),
      () => synthCacheKey(app, inputs, { ...env, CDK_CONTEXT_JSON: '{}' }, 'v24.1.0'),
      () => synthCacheKey(app, inputs, { ...env, STAGE_NAME: 'dev' }, 'v24.1.0'),
      () => synthCacheKey(app, inputs, { CDK_DEFAULT_REGION: 'eu-west-1' }, 'v24.1.0'),
      () => synthCacheKey(app, inputs, env, 'v24.2.0'),
    ]
    for (const change of changes) {
      const next = change()
      expect(keys.has(next)).toBe(false)
      keys.add(next)
    }
  })
})

describe('isAssemblyFresh', () => {
  it('only for a complete assembly whose recorded key matches', () => {
    const out = join(app, 'cdk.out')
    mkdirSync(out)
    expect(isAssemblyFresh(out, 'k1')).toBe(false)
    recordSynthKey(out, 'k1')
    expect(isAssemblyFresh(out, 'k1')).toBe(false) // no manifest.json: not an assembly
    writeFileSync(join(out, 'manifest.json'), '{"version":"55.0.0"}')
    writeFileSync(join(out, 'App.template.json'), '{"Resources":{}}')
    recordSynthKey(out, 'k1')
    expect(isAssemblyFresh(out, 'k1')).toBe(true)
    expect(isAssemblyFresh(out, 'k2')).toBe(false)
    // Another synthesis (`cdk synth -c ...`) rewrote the template since: not the assembly the key describes.
    writeFileSync(join(out, 'App.template.json'), '{"Resources":{"Other":{}}}')
    expect(isAssemblyFresh(out, 'k1')).toBe(false)
    recordSynthKey(out, 'k1')
    expect(isAssemblyFresh(out, 'k1')).toBe(true)
    forgetSynthKey(out)
    expect(isAssemblyFresh(out, 'k1')).toBe(false)
  })
})
