// The command line's answers to what it cannot run, called in-process (cli.test.ts runs the real bin for
// what needs a running API): each is one clear line naming the problem, exit code 1, and nothing started.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { main } from '../src/cli/main.js'

// Inside the package, so that `cdk synth` would find the repo's aws-cdk CLI; .tmp is git-ignored.
const scratchRoot = fileURLToPath(new URL('../.tmp', import.meta.url))
let scratch: string
let outside: string
beforeAll(() => {
  mkdirSync(scratchRoot, { recursive: true })
  scratch = mkdtempSync(join(scratchRoot, 'cli-arguments-'))
  outside = mkdtempSync(join(tmpdir(), 'cli-arguments-'))
  writeFileSync(join(scratch, 'no-wiring.mjs'), 'export const somethingElse = 1\n')
})
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true })
  rmSync(outside, { recursive: true, force: true })
})

let stdout = ''
let stderr = ''
beforeEach(() => {
  stdout = ''
  stderr = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString()
    return true
  })
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += chunk.toString()
    return true
  })
  return () => vi.restoreAllMocks()
})

describe('cubewalk-local arguments', () => {
  it('--help prints the usage with the command the user ran, exit 0', async () => {
    expect(await main(['--help'], { command: 'npm start' })).toBe(0)
    expect(stdout).toMatch(/^Usage: npm start \[-- options\]\n/)
    expect(stdout).toContain('--isolation <mode>')
    expect(stderr).toBe('')
  })

  it('an unknown option: the parser message, then the usage', async () => {
    expect(await main(['--bogus'])).toBe(1)
    expect(stderr).toMatch(/^\ncubewalk-local: Unknown option '--bogus'/)
    expect(stderr).toContain('Usage: cubewalk-local [options]')
  })

  it.each([
    [['--port', 'eighty'], '--port must be a whole number, got "eighty"'],
    [['--concurrency=-2'], '--concurrency must be a whole number, got "-2"'],
    [['--concurrency', '0'], '--concurrency must be at least 1'],
    [['--isolation', 'process'], '--isolation must be inline or thread'],
    [
      ['--identity', '{"principalId":"a"}', '--identity-file', 'x.json'],
      'give --identity or --identity-file, not both',
    ],
  ])('%j: %s', async (args, message) => {
    expect(await main(args)).toBe(1)
    expect(stderr).toBe(`\ncubewalk-local: ${message}\n\n`)
  })

  it('a --wiring module without a wiring export', async () => {
    const file = join(scratch, 'no-wiring.mjs')
    expect(await main(['--wiring', file])).toBe(1)
    expect(stderr).toContain(
      `--wiring ${file} must export \`wiring\` (or a default export): an object (LocalWiring)`,
    )
  })

  it('nothing to synthesize: no aws-cdk CLI for the app, or no cdk.json', async () => {
    expect(await main(['--port', '0', '--app-dir', outside])).toBe(1)
    expect(stderr).toContain(`the aws-cdk CLI is not installed for ${outside}; run npm ci`)
    stderr = ''
    expect(await main(['--port', '0', '--app-dir', scratch])).toBe(1)
    expect(stderr).toContain(
      `${join(scratch, 'cdk.json')} is missing; cannot synthesize (--app-dir, or --assembly)`,
    )
  })

  it('--no-synth or --assembly without a cloud assembly there: says to synthesize first', async () => {
    expect(await main(['--port', '0', '--app-dir', scratch, '--no-synth'])).toBe(1)
    expect(stderr).toContain(`${join(scratch, 'cdk.out')} is not a cloud assembly (no manifest.json).`)
    stderr = ''
    expect(await main(['--port', '0', '--assembly', outside])).toBe(1)
    expect(stderr).toContain(`${outside} is not a cloud assembly (no manifest.json).`)
  })
})
