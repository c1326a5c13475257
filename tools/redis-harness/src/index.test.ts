import { describe, expect, it } from 'vitest'
import { connectedClients, startRedis, waitUntilClosed } from './index.js'

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
