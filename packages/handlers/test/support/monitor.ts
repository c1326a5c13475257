// Counting the commands a client sends, at the server: MONITOR sees every command in execution order with its
// sender's address; commands run inside a Lua script are reported with source "lua" and not counted.
import type { Redis } from 'ioredis'
import { Redis as RedisClient } from 'ioredis'

export interface SeenCommand {
  readonly args: string[]
  readonly source: string
}

export interface CommandRecorder {
  /** Runs `action` and returns the commands the given client address sent while it ran. */
  record(source: () => string, action: () => Promise<unknown>): Promise<SeenCommand[]>
  close(): Promise<void>
}

export const commandRecorder = async (url: string): Promise<CommandRecorder> => {
  const client = new RedisClient(url)
  const marker = new RedisClient(url)
  const monitor: Redis = await client.monitor()
  const seen: SeenCommand[] = []
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    seen.push({ args, source })
  })
  let markers = 0
  // A command sent after the action returned; once MONITOR shows it, everything before it has been seen.
  const flush = async (): Promise<void> => {
    const id = `cubewalk-test-marker-${++markers}-${Date.now()}`
    await marker.echo(id)
    const deadline = Date.now() + 5000
    while (!seen.some((c) => c.args[0]?.toLowerCase() === 'echo' && c.args[1] === id)) {
      if (Date.now() > deadline) throw new Error('MONITOR did not deliver the marker')
      await new Promise((r) => setTimeout(r, 5))
    }
  }
  return {
    async record(source, action) {
      // Commands sent before this call may still be on their way to the MONITOR connection.
      await flush()
      seen.length = 0
      await action()
      await flush()
      const address = source()
      return seen.filter((c) => c.source === address)
    },
    async close() {
      monitor.disconnect()
      client.disconnect()
      await marker.quit()
    },
  }
}
