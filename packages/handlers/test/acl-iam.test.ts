// The blocks Lambda as the stack deploys it: connecting as the cache user the stack creates (IAM auth, the ACL of
// src/cache-access.ts). Redis cannot check an IAM token, so the user here has `nopass`: the test proves the wiring
// (AUTH as that user on every connection, through the IAM credential connector) and that every route works within
// the ACL. packages/stack/test/cache-access-string.test.ts checks the deployed string command by command.
import { closeRedisPool } from '@cubewalk/middleware'
import { type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { cacheAccessString } from '../src/cache-access.js'
import { readBlocksConfig } from '../src/config.js'
import { type BlocksHandler, blocksHandler, call, chunkBase64 } from './support/blocks.js'
import { jsonBody } from './support/events.js'

let server: RedisProcess
let handler: BlocksHandler
const user = 'cubewalk-blocks'

beforeAll(async () => {
  server = await startRedis()
  const accessString = cacheAccessString({ clusterMode: false, waitForReplicas: false })
  await server.cli('ACL', 'SETUSER', user, 'reset', 'nopass', ...accessString.split(' '))
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDEXAMPLENOTSECRET')
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test-secret-not-secret')
  vi.stubEnv('AWS_SESSION_TOKEN', 'test-session-not-secret')
  vi.stubEnv('AWS_REGION', 'eu-west-1')
  const config = readBlocksConfig({
    REDIS_HOST: server.host,
    REDIS_PORT: String(server.port),
    REDIS_USERNAME: user,
    REDIS_IAM_AUTH_CACHE_NAME: 'cubewalk-cache',
  })
  handler = blocksHandler(server.url, config)
})
afterAll(async () => {
  vi.unstubAllEnvs()
  await closeRedisPool()
  await server?.stop()
})

describe('IAM-authenticated cache user with the stack ACL', () => {
  it('connects as the cache user and serves every route', async () => {
    const chunk = '/cubewalkblocks/acl-w/chunks/0,0,0'
    expect((await call(handler, 'PUT', chunk, jsonBody({ blocks: chunkBase64(() => 1) }))).statusCode).toBe(
      200,
    )
    expect(
      (await call(handler, 'PATCH', chunk, jsonBody({ set: [{ x: 1, y: 1, z: 1, block: 2 }] }))).statusCode,
    ).toBe(200)
    expect((await call(handler, 'GET', chunk)).statusCode).toBe(200)
    const batch = await call(handler, 'GET', '/cubewalkblocks/acl-w/chunks', { query: { at: '0,0,0;1,1,1' } })
    expect(batch.statusCode).toBe(200)
    expect((await call(handler, 'GET', '/cubewalkblocks')).json).toEqual({ worlds: ['acl-w'] })
    expect((await call(handler, 'DELETE', chunk)).json).toEqual({ deleted: true })
    const clients = await server.cli('CLIENT', 'LIST')
    expect(clients).toMatch(new RegExp(`user=${user}\\b`))
  })
})
