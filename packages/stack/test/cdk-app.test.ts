// `cdk synth` runs the stack's TypeScript with plain Node (type stripping + bin/ts-resolve.mjs), not through
// vitest's transform. This checks that path: every source the app loads must be erasable TypeScript.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const stackDir = fileURLToPath(new URL('..', import.meta.url))

describe('the CDK app command', () => {
  it('is Node with the resolve hook on src/main.ts', () => {
    const cdkJson = JSON.parse(readFileSync(`${stackDir}/cdk.json`, 'utf8')) as { app: string }
    expect(cdkJson.app).toBe('node --import ./bin/ts-resolve.mjs src/main.ts')
  })

  it('loads the whole app under Node type stripping, without vitest', () => {
    const probe = [
      "const app = await import('./src/app.ts')",
      "const stack = await import('./src/cubewalk-stack.ts')",
      "const handler = await import('./src/tokens-parameter-handler.ts')",
      'console.log([app.createCubewalkApp, stack.CubewalkStack, handler.handler].map((x) => typeof x).join())',
    ].join(';')
    const result = spawnSync(
      process.execPath,
      ['--import', './bin/ts-resolve.mjs', '--input-type=module', '--eval', probe],
      { cwd: stackDir, encoding: 'utf8', env: { ...process.env, AWS_REGION: 'eu-west-1' }, timeout: 60_000 },
    )
    expect(result.stderr).not.toMatch(/Error/)
    expect(result.stdout.trim()).toBe('function,function,function')
  }, 60_000)
})
