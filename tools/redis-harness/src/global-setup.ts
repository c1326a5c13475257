// Vitest global setup: every test file gets `inject('redisUrl')`.
// REDIS_URL wins when set; otherwise a private redis-server is started for this run and stopped after it,
// so tests never depend on (or disturb) a shared server.
import type { TestProject } from 'vitest/node'
import { startRedis } from './index.js'

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const fromEnv = process.env.REDIS_URL
  if (fromEnv) {
    project.provide('redisUrl', fromEnv)
    return undefined
  }
  const server = await startRedis()
  project.provide('redisUrl', server.url)
  return () => server.stop()
}
