// `cubewalk-tokens --local` against `npm start`, both as a user runs them: packages/stack/bin/start.mjs serving
// the synthesized stack (real bundled authorizer, local SSM and API Gateway endpoints) and
// packages/stack/bin/cubewalk-tokens.mjs in child processes. A full rotation, then an immediate revocation.

import { fileURLToPath } from 'node:url'
import { call } from '@cubewalk/local/testing'
import { type Running, runToExit, startProcess } from '@cubewalk/local/testing/process'
import { Duration } from 'aws-cdk-lib'
import { afterAll, describe, expect, it } from 'vitest'
import { type Synthesized, synthesize } from '../support/synth.js'

const startScript = fileURLToPath(new URL('../../bin/start.mjs', import.meta.url))
const tokensScript = fileURLToPath(new URL('../../bin/cubewalk-tokens.mjs', import.meta.url))
const generated = /^cubewalk_[A-Za-z0-9_-]{43}$/

interface Served {
  readonly synth: Synthesized
  readonly runner: Running
  readonly origin: string
}
const served: Served[] = []

afterAll(async () => {
  for (const { runner, synth } of served) {
    await runner.stop()
    synth.dispose()
  }
})

/** `npm start` on a freshly synthesized stack, with the given local tokens. */
const startLocal = async (synth: Synthesized, tokens: string[]): Promise<Served> => {
  const runner = startProcess(
    process.execPath,
    [
      startScript,
      '--assembly',
      synth.outdir,
      '--port',
      '0',
      '--quiet-functions',
      ...tokens.flatMap((t) => ['--token', t]),
    ],
    { env: { ...process.env, REDIS_URL: '', PORT: '' } },
  )
  try {
    await runner.printed('Ctrl-C stops everything', 60_000)
  } catch (error) {
    await runner.stop()
    throw error
  }
  const origin = /(http:\/\/127\.0\.0\.1:\d+)\/prod\//.exec(runner.output())?.[1] as string
  const started = { synth, runner, origin }
  served.push(started)
  return started
}

const tokens = (local: Served, ...args: string[]) =>
  runToExit(process.execPath, [tokensScript, '--local', '--assembly', local.synth.outdir, ...args])

const status = async (local: Served, token: string) =>
  (await call(local.origin, 'GET', '/prod/cubewalkblocks', { token })).status

describe('cubewalk-tokens against npm start', () => {
  it('drives a full rotation: rotate, both tokens work, revoke the old one', async () => {
    // A short authorizer copy TTL, so that the new token is known within the test rather than in 5 minutes.
    const local = await startLocal(synthesize({ stackProps: { tokensCacheTtl: Duration.seconds(2) } }), [
      'test-local-token-not-secret-1',
    ])
    expect(await status(local, 'test-local-token-not-secret-1')).toBe(200)

    const listed = await tokens(local, 'list')
    expect(listed.code).toBe(0)
    expect(listed.stdout).toMatch(/^NAME +ADDED\nlocal +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n$/)
    expect(listed.stderr).toContain(
      '1 token in /Cubewalk/tokens (version 1), stack Cubewalk on the local runner',
    )

    const rotated = await tokens(local, 'rotate', 'local')
    expect(rotated.code).toBe(0)
    const lines = rotated.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const fresh = lines[0] as string
    expect(fresh).toMatch(generated)
    const successor = /Added token (local-\d{8}) next to local/.exec(rotated.stderr)?.[1] as string
    expect(successor).toBeDefined()
    expect(rotated.stderr).toContain('npm run tokens -- revoke local')
    expect(rotated.stderr).not.toContain(fresh)

    // Once the authorizer's copy has expired, both work: the clients can move over.
    await new Promise((r) => setTimeout(r, 2_500))
    expect(await status(local, fresh)).toBe(200)
    expect(await status(local, 'test-local-token-not-secret-1')).toBe(200)
    const both = await tokens(local, 'list', '--json')
    expect((JSON.parse(both.stdout) as Array<{ name: string }>).map((t) => t.name)).toEqual([
      'local',
      successor,
    ])

    const revoked = await tokens(local, 'revoke', 'local')
    expect(revoked.code).toBe(0)
    expect(revoked.stderr).toContain('Revoked local')
    expect(revoked.stderr).toContain('Use --now to cut it off within seconds')
    // Without --now, API Gateway's cached Allow (300 s) still admits the old token...
    expect(await status(local, 'test-local-token-not-secret-1')).toBe(200)
    // ...while a fresh authorization sees it gone: flush by revoking it --now (already absent: flush only).
    const flushed = await tokens(local, 'revoke', 'local', '--now')
    expect(flushed.code).toBe(0)
    expect(await status(local, 'test-local-token-not-secret-1')).toBe(401)
    expect(await status(local, fresh)).toBe(200)

    // The last token cannot be revoked: every request would answer 500.
    const last = await tokens(local, 'revoke', successor)
    expect(last.code).toBe(1)
    expect(last.stderr).toContain('is the last token')
    expect(await status(local, fresh)).toBe(200)
    // Nothing the runner printed carries a token it did not receive from the command line.
    expect(local.runner.output()).not.toContain(fresh)
  }, 90_000)

  it('revoke --now cuts a token off within seconds, with the stack default TTLs (300 s)', async () => {
    const local = await startLocal(synthesize(), [
      'test-local-token-not-secret-1',
      'test-local-token-not-secret-2',
      'test-local-token-not-secret-3',
    ])
    // All three authorized once: API Gateway caches each Allow for 300 s, the authorizer its copy for 300 s.
    for (const n of [1, 2, 3]) expect(await status(local, `test-local-token-not-secret-${n}`)).toBe(200)

    // Plain revoke: the token keeps working (both caches), as documented.
    const plain = await tokens(local, 'revoke', 'local-3')
    expect(plain.code).toBe(0)
    expect(await status(local, 'test-local-token-not-secret-3')).toBe(200)

    const now = await tokens(local, 'revoke', 'local-2', '--now')
    expect(now.code).toBe(0)
    expect(now.stdout).toBe('')
    expect(now.stderr).toMatch(
      /Flushed API Gateway's authorizer cache \(API \w+, stage prod\): local-2 is refused/,
    )
    // Seconds, not minutes: the wait for the authorizers' revalidation age plus the commands themselves.
    expect(now.ms).toBeLessThan(15_000)
    expect(await status(local, 'test-local-token-not-secret-2')).toBe(401)
    // The flush also cut off local-3, whose plain revoke was waiting for the caches; local stays.
    expect(await status(local, 'test-local-token-not-secret-3')).toBe(401)
    expect(await status(local, 'test-local-token-not-secret-1')).toBe(200)
    expect(await status(local, 'test-local-token-not-secret-2')).toBe(401)
  }, 90_000)
})
