// `cubewalk-local fault` from a second process against a running `cubewalk-local`, both as a user runs them (the
// package's bin): the runner records its control endpoint in local-runner.json, the command finds it there,
// sends the fault and prints what was done; the runner's terminal shows the fault and, at exit, the summary of
// one still open. Clear errors: no runner, a typo, a fault this build cannot inject, a plain cache.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../src/services/redis-server.js'
import { runToExit } from '../src/testing/child-process.js'
import { type FixtureAssembly, writeFixtureAssembly } from './fixture-assembly.js'
import { cliBin, startFixtureCli } from './support/fixture-cli.js'

let assembly: FixtureAssembly
beforeAll(() => {
  assembly = writeFixtureAssembly()
})
afterAll(() => assembly.remove())

const run = (...args: string[]) =>
  runToExit(process.execPath, [cliBin, ...args], { env: { ...process.env, CUBEWALK_ASSEMBLY: '' } })

const fault = (...args: string[]) => run('fault', '--assembly', assembly.dir, ...args)

/** `cubewalk-local` serving the fixture assembly until stopped. */
async function serve(...args: string[]) {
  const runner = startFixtureCli(assembly.dir, args)
  await runner.printed('Ctrl-C stops everything')
  return runner
}

describe('cubewalk-local fault', () => {
  it('--help lists every fault with its argument', async () => {
    const help = await run('fault', '--help')
    expect(help.code).toBe(0)
    expect(help.stdout).toMatch(/^Usage: cubewalk-local fault <name> \[argument\]/)
    for (const name of [
      'redis:kill ',
      'redis:restart ',
      'redis:freeze <duration>',
      'redis:latency <duration>|off',
      'redis:failover ',
      'redis:drop ',
      'redis:expire-tokens ',
      'redis:heal ',
    ])
      expect(help.stdout).toContain(`  ${name}`)
    const main = await run('--help')
    expect(main.stdout).toContain('cubewalk-local fault <name> [argument]')
  })

  it('refuses a typo before looking for a runner, and says how to start one when none runs', async () => {
    const typo = await fault('redis:frezee', '5s')
    expect(typo.code).toBe(1)
    expect(typo.stderr).toContain('unknown fault "redis:frezee"; did you mean redis:freeze?')
    expect(typo.stderr).toContain('(cubewalk-local fault --help lists the faults)')
    const none = await fault('redis:drop')
    expect(none.code).toBe(1)
    expect(none.stderr).toBe(
      `cubewalk-local fault: no local runner is serving ${assembly.dir} (${join(assembly.dir, 'local-runner.json')} is missing): start \`cubewalk-local\` first\n`,
    )
  })

  it('sends faults to the runner serving the assembly, which logs them and summarises at exit', async () => {
    const runner = await serve()
    try {
      const note = JSON.parse(readFileSync(join(assembly.dir, 'local-runner.json'), 'utf8')) as {
        endpoints: { control: string }
      }
      expect(note.endpoints.control).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

      const slow = await fault('redis:latency', '300ms')
      expect(slow).toMatchObject({
        code: 0,
        stdout: 'redis:latency 300ms: every command reaches Redis 300ms later, until redis:latency off\n',
        stderr: '',
      })
      await runner.printed('fault redis:latency 300ms: every command reaches Redis 300ms later')
      const dropped = await fault('redis:drop')
      expect(dropped.code).toBe(0)
      expect(dropped.stdout).toMatch(/^redis:drop: closed \d+ client connections?\n$/)

      const kill = await fault('redis:kill')
      expect(kill).toMatchObject({
        code: 0,
        stdout: 'redis:kill: redis-server killed: connections refused until redis:restart or redis:heal\n',
        stderr: '',
      })
      // The fixture's cache has no replica: the failover is refused, with the reason, and changes nothing.
      const failover = await fault('redis:failover')
      expect(failover.code).toBe(1)
      expect(failover.stderr).toMatch(
        /^cubewalk-local fault: redis:failover refused: failover\(\): the cache Cache has no replica/,
      )
      await runner.printed('fault redis:failover not applied: redis:failover refused:')
    } finally {
      expect(await runner.stop()).toBe(0)
    }
    expect(runner.output()).toContain('fault redis:latency 300ms: no requests; still on at exit')
    expect(runner.output()).toContain('fault redis:kill: no requests; still on at exit')
    // The note went with the runner: the next fault is told to start one.
    expect((await fault('redis:drop')).stderr).toContain('start `cubewalk-local` first')
  }, 60_000)

  it('says why a runner serving a plain Redis takes no faults', async () => {
    const runner = await serve('--cache', 'plain')
    try {
      const drop = await fault('redis:drop')
      expect(drop.code).toBe(1)
      expect(drop.stderr).toBe(
        'cubewalk-local fault: faults act on the faithful cache, and this runner serves a plain Redis (--cache plain, or REDIS_URL / --redis-url): start it without them\n',
      )
    } finally {
      await runner.stop()
    }
  }, 60_000)

  it('says so when the runner of the note does not answer, or predates faults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cubewalk-fault-note-'))
    try {
      // A live process (this test's) whose note names a port nothing listens on.
      const note = (control: string | undefined) =>
        writeFileSync(
          join(dir, 'local-runner.json'),
          JSON.stringify({
            pid: process.pid,
            endpoints: { ssm: 'http://127.0.0.1:1', apiGateway: 'http://127.0.0.1:1', control },
            outputs: {},
          }),
        )
      const port = await freePort()
      note(`http://127.0.0.1:${port}`)
      const silent = await run('fault', '--assembly', dir, 'redis:drop')
      expect(silent.code).toBe(1)
      expect(silent.stderr).toMatch(
        new RegExp(
          `^cubewalk-local fault: the local runner does not answer: http://127\\.0\\.0\\.1:${port} did not answer \\(.*ECONNREFUSED.*\\); is \`cubewalk-local\` still running\\?\\n$`,
        ),
      )
      note(undefined)
      const older = await run('fault', '--assembly', dir, 'redis:drop')
      expect(older.stderr).toBe(
        `cubewalk-local fault: the runner serving ${dir} (pid ${process.pid}) takes no faults: restart it with this version\n`,
      )
      const bad = await run('fault', '--assembly', dir, '--bogus')
      expect(bad.code).toBe(1)
      expect(bad.stderr).toContain("Unknown option '--bogus'")
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
