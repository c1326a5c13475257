// The Node version gate (scripts/check-node.mjs, .npmrc engine-strict) as a user on an old Node meets it: the
// commands the README tells them to type, run with an old `node` first on PATH, must stop at once with one line
// saying what to do, instead of a wall of EBADENGINE warnings or a crash (`Map.groupBy is not a function`,
// `does not provide an export named 'registerHooks'`).
import { type SpawnSyncReturns, spawnSync } from 'node:child_process'
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

interface CheckNodeModule {
  supportedNodeRange: string
  isSupportedNode(version: string): boolean
  nodeAdvice(version: string): string
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const checkNodeScript = join(repoRoot, 'scripts/check-node.mjs')
const checkNodeUrl: string = new URL('./check-node.mjs', import.meta.url).href
const { supportedNodeRange, isSupportedNode, nodeAdvice } = (await import(checkNodeUrl)) as CheckNodeModule

const readJson = (path: string) =>
  JSON.parse(readFileSync(join(repoRoot, path), 'utf8')) as Record<string, unknown>
const enginesNode = (path: string) => (readJson(path).engines as { node: string }).node

describe('isSupportedNode', () => {
  it.each([
    ['20.20.2', false],
    ['21.7.3', false],
    ['22.18.0', false], // type stripping alone is not enough: lerna 10 and its prompts need 22.22.2
    ['22.22.1', false],
    ['22.22.2', true],
    ['22.23.0', true],
    ['23.11.0', false],
    ['24.14.9', false],
    ['24.15.0', true],
    ['v24.22.3', true],
    ['25.9.0', false],
    ['26.0.0', true],
    ['30.1.2', true],
  ])('%s → %s', (version, supported) => {
    expect(isSupportedNode(version)).toBe(supported)
  })

  it('refuses a string that is not a version instead of calling it supported', () => {
    expect(() => isSupportedNode('latest')).toThrow(/not a Node version: "latest"/)
  })

  it('is the range in the root and stack package.json engines (what npm enforces), and includes .nvmrc', () => {
    expect(enginesNode('package.json')).toBe(supportedNodeRange)
    expect(enginesNode('packages/stack/package.json')).toBe(supportedNodeRange)
    const nvmrcMajor = readFileSync(join(repoRoot, '.nvmrc'), 'utf8').trim()
    expect(isSupportedNode(`${nvmrcMajor}.15.0`)).toBe(true)
  })
})

describe('nodeAdvice', () => {
  it('is one line naming the range, the Node it found and the command that fixes it', () => {
    const advice = nodeAdvice('v20.20.2')
    expect(advice).not.toContain('\n')
    expect(advice).toContain(`needs Node ${supportedNodeRange}`)
    expect(advice).toContain('this is Node 20.20.2.')
    expect(advice).toContain('. scripts/use-node.sh')
  })
})

describe('scripts/check-node.mjs on this Node', () => {
  it('says nothing and exits 0', () => {
    const run = spawnSync(process.execPath, [checkNodeScript], { encoding: 'utf8' })
    expect({ status: run.status, stdout: run.stdout, stderr: run.stderr }).toEqual({
      status: 0,
      stdout: '',
      stderr: '',
    })
  })
})

/**
 * A directory holding a `node` that is too old, to put first on PATH. The machines ship Node 20, so this is
 * normally a link to a real old binary found on PATH; where there is none, it is a wrapper around this Node that
 * reports version 20.20.2 (process.version and process.versions, which is what npm and the gate read).
 */
function oldNodeBin(dir: string): { version: string; real: boolean } {
  if (process.env.CUBEWALK_TEST_PRETEND_OLD_NODE === '1') return pretendOldNode(dir)
  const candidates = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/usr/local/bin']
  for (const candidate of candidates) {
    const bin = join(candidate, 'node')
    if (!candidate || !existsSync(bin)) continue
    const probe = spawnSync(bin, ['-p', 'process.versions.node'], { encoding: 'utf8' })
    const version = probe.stdout?.trim()
    if (probe.status === 0 && version && !isSupportedNode(version)) {
      symlinkSync(bin, join(dir, 'node'))
      return { version, real: true }
    }
  }
  return pretendOldNode(dir)
}

/** The fallback, also forced with CUBEWALK_TEST_PRETEND_OLD_NODE=1 to check it on a machine that has Node 20. */
function pretendOldNode(dir: string): { version: string; real: boolean } {
  const version = '20.20.2'
  const fake = join(dir, 'pretend-old-node.mjs')
  const source =
    `Object.defineProperty(process, 'version', { value: 'v${version}' })\n` +
    `Object.defineProperty(process.versions, 'node', { value: '${version}' })\n`
  writeFileSync(fake, source)
  const wrapper = join(dir, 'node')
  writeFileSync(
    wrapper,
    `#!/bin/sh\nexec '${process.execPath}' --import='${pathToFileURL(fake).href}' "$@"\n`,
  )
  chmodSync(wrapper, 0o755)
  return { version, real: false }
}

describe('on a Node that is too old', () => {
  let work = ''
  let old = { version: '', real: false }
  let env: NodeJS.ProcessEnv = {}

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'cubewalk-old-node-'))
    mkdirSync(join(work, 'bin'))
    old = oldNodeBin(join(work, 'bin'))
    console.info(
      `old Node for these tests: ${old.version} (${old.real ? 'a real binary' : 'this Node, pretending'})`,
    )
    // A fresh shell: nothing from the `npm test` this runs under, the old node first on PATH.
    env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'NODE_OPTIONS'),
    )
    env.PATH = [join(work, 'bin'), process.env.PATH].join(delimiter)
    expect(spawnSync('node', ['-p', 'process.versions.node'], { env, encoding: 'utf8' }).stdout.trim()).toBe(
      old.version,
    )
  })
  afterAll(() => rmSync(work, { recursive: true, force: true }))

  const run = (
    command: string,
    args: string[],
    cwd = repoRoot,
  ): SpawnSyncReturns<string> & { ms: number } => {
    const started = performance.now()
    const result = spawnSync(command, args, {
      cwd,
      env,
      encoding: 'utf8',
      timeout: 60_000,
      killSignal: 'SIGKILL',
    })
    return Object.assign(result, { ms: performance.now() - started })
  }
  const advice = () => nodeAdvice(old.version)

  it('scripts/check-node.mjs prints exactly the advice line and exits 1', () => {
    const result = run('node', [checkNodeScript])
    expect(result.status).toBe(1)
    expect(result.stdout).toBe('')
    expect(result.stderr).toBe(`${advice()}\n`)
  })

  it('npm test stops before vitest with the advice', () => {
    // A file filter that matches nothing: were the gate missing, vitest would start and say so, not run the suite.
    const result = run('npm', ['test', '--', 'no-such-test-file-probe'])
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain(advice())
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/RUN|No test files found|groupBy/)
  })

  it('npm run synth stops before cdk with the advice', () => {
    const result = run('npm', ['run', 'synth'])
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain(advice())
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/registerHooks|Subprocess exited/)
  })

  it('npm start stops before the runner with the advice', () => {
    const result = run('npm', ['start'])
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain(advice())
    expect(result.stdout).not.toMatch(/listening|http:\/\/127\.0\.0\.1/)
  })

  it('npm ci refuses at once with the engines range (engine-strict), not one warning per package', () => {
    // The repository's install inputs in a scratch folder, so nothing of the real checkout is touched.
    const project = join(work, 'project')
    const manifests = ['package.json', 'package-lock.json', '.npmrc']
    for (const dir of ['packages/middleware', 'packages/handlers', 'packages/stack', 'tools/redis-harness']) {
      manifests.push(`${dir}/package.json`)
    }
    for (const file of manifests) {
      mkdirSync(dirname(join(project, file)), { recursive: true })
      copyFileSync(join(repoRoot, file), join(project, file))
    }
    const result = run(
      'npm',
      ['ci', '--dry-run', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'],
      project,
    )
    expect(result.status).not.toBe(0)
    expect(result.stderr).toContain('npm error code EBADENGINE')
    expect(result.stderr).toContain('Not compatible with your version of node/npm: cubewalk@0.0.0')
    expect(result.stderr).toContain(`Required: {"node":"${supportedNodeRange}"}`)
    expect(result.stderr).not.toContain('npm warn EBADENGINE')
    expect(result.stderr.split('\n').filter(Boolean).length).toBeLessThan(10)
    expect(existsSync(join(project, 'node_modules'))).toBe(false)
    // Measured on a loaded shared machine: well under 2 s; the bound only rules out installing first.
    expect(result.ms).toBeLessThan(15_000)
  })
})
