// The command line's cache modes: faithful by default (the banner names the TLS endpoint of the front, which
// speaks TLS with the CA made at start), --cache plain for a bare redis-server, and a clear refusal of anything else.

import { connect as connectTls } from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pingRedis } from '../src/services/redis-server.js'
import { type FixtureAssembly, writeFixtureAssembly } from './fixture-assembly.js'
import { startFixtureCli } from './support/fixture-cli.js'

let assembly: FixtureAssembly
beforeAll(() => {
  assembly = writeFixtureAssembly()
})
afterAll(() => assembly.remove())

const start = (args: string[]) => startFixtureCli(assembly.dir, args)

/** The certificate the server at `port` presents (not verified: the test only reads it). */
const presentedIssuer = (port: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connectTls({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
      const cn = socket.getPeerCertificate().issuer?.CN ?? ''
      const issuer = Array.isArray(cn) ? cn.join(',') : cn
      socket.destroy()
      resolve(issuer)
    })
    socket.once('error', reject)
  })

describe('cubewalk-local --cache', () => {
  it('serves the faithful cache by default: a TLS front with the CA made at start, stopped with the runner', async () => {
    const started = start([])
    try {
      await started.printed('Ctrl-C stops everything')
      const match = /Cache {3}rediss:\/\/127\.0\.0\.1:(\d+) .*redis-server 127\.0\.0\.1:(\d+)/.exec(
        started.output(),
      )
      expect(match, started.output()).not.toBeNull()
      const [frontPort, redisPort] = [Number(match?.[1]), Number(match?.[2])]
      expect(await presentedIssuer(frontPort)).toBe('cubewalk-local cache CA')
      expect(started.output()).not.toMatch(/Redis {3}redis:/)
      started.child.kill('SIGTERM')
      expect(await started.exited).toBe(0)
      expect(await pingRedis('127.0.0.1', redisPort)).toBe(false)
    } finally {
      started.child.kill('SIGKILL')
    }
  })

  it('--cache plain serves a bare redis-server, as before', async () => {
    const started = start(['--cache', 'plain'])
    try {
      await started.printed('Ctrl-C stops everything')
      const redisPort = Number(/Redis {3}redis:\/\/127\.0\.0\.1:(\d+)/.exec(started.output())?.[1])
      expect(await pingRedis('127.0.0.1', redisPort)).toBe(true)
      expect(started.output()).not.toContain('Cache   ')
    } finally {
      started.child.kill('SIGKILL')
      await started.exited
    }
  })

  it('refuses another mode clearly', async () => {
    const started = start(['--cache', 'tls'])
    expect(await started.exited).toBe(1)
    expect(started.output()).toContain('--cache must be faithful or plain')
  })
})
