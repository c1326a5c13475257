import { describe, expect, it } from 'vitest'
import { connectedClients, freePort, startRedis, waitUntilClosed } from './index.js'

describe('redis harness', () => {
  it('starts a private server, survives kill + restart on the same port, and stops', async () => {
    const server = await startRedis()
    try {
      expect(await server.cli('PING')).toBe('PONG')
      expect(await connectedClients(server)).toBe(0)
      await server.kill()
      await waitUntilClosed(server.port)
      await server.restart()
      expect(await server.cli('PING')).toBe('PONG')
    } finally {
      await server.stop()
    }
    await waitUntilClosed(server.port)
  })
})

describe('redis harness edge cases', () => {
  it('stops a server frozen with SIGSTOP, and refuses to count clients without auth', async () => {
    const server = await startRedis({ args: ['--requirepass', 'harness-test-not-secret'] })
    try {
      await expect(connectedClients(server)).rejects.toThrow(/NOAUTH/)
      expect(await server.cli('-a', 'harness-test-not-secret', '--no-auth-warning', 'PING')).toBe('PONG')
      process.kill(server.pid ?? 0, 'SIGSTOP')
    } finally {
      await server.stop()
    }
    await waitUntilClosed(server.port)
  })
})

describe('redis harness start failures', () => {
  it('kills a server that is not ready in time instead of leaving it running', async () => {
    const port = await freePort()
    await expect(startRedis({ port, startTimeoutMs: 0 })).rejects.toThrow(/did not answer PING in time/)
    await waitUntilClosed(port)
  })
})
