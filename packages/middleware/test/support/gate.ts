import { createConnection, createServer, type Server, type Socket } from 'node:net'

export interface Gate {
  readonly port: number
  /** Connections accepted so far. */
  readonly accepted: number
  /**
   * New connections are accepted but held: nothing they send reaches Redis and nothing is answered, as from a
   * server that accepted the connection and then stalled. `open()` lets them through.
   */
  hold(): void
  /** Forwards every held connection (what it sent meanwhile first) and every new one to Redis. */
  open(): void
  /** Closes every open connection (a FIN to the client, as when a server or a load balancer drops it). */
  dropAll(): void
  /** Stops listening: new connections are refused. */
  close(): Promise<void>
  /** Listens again on the same port. */
  listen(): Promise<void>
}

/**
 * A TCP gate on 127.0.0.1 in front of a Redis server, for the states a pooled client meets: a connection accepted
 * but never answered, one answered late, one dropped, a port that refuses.
 */
export const startGate = async (redisPort: number, port = 0): Promise<Gate> => {
  const sockets = new Set<Socket>()
  /** Held connections, each as the function that starts forwarding it. */
  const held = new Set<() => void>()
  let holding = false
  let accepted = 0
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.on('error', () => socket.destroy())
  }
  const forward = (downstream: Socket, chunks: readonly Buffer[]): void => {
    const upstream = createConnection({ host: '127.0.0.1', port: redisPort })
    track(upstream)
    downstream.setNoDelay(true)
    upstream.setNoDelay(true)
    for (const chunk of chunks) upstream.write(chunk)
    downstream.on('close', () => upstream.destroy())
    upstream.on('close', () => downstream.destroy())
    downstream.pipe(upstream)
    upstream.pipe(downstream)
  }
  const onConnection = (socket: Socket): void => {
    accepted += 1
    track(socket)
    if (!holding) {
      forward(socket, [])
      return
    }
    const chunks: Buffer[] = []
    const keep = (chunk: Buffer): void => {
      chunks.push(chunk)
    }
    const release = (): void => {
      socket.off('data', keep)
      forward(socket, chunks)
    }
    socket.on('data', keep)
    socket.once('close', () => held.delete(release))
    held.add(release)
  }
  let server: Server = createServer(onConnection)
  const listen = async (): Promise<void> => {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    const address = server.address()
    if (typeof address === 'object' && address !== null) port = address.port
  }
  await listen()
  return {
    get port() {
      return port
    },
    get accepted() {
      return accepted
    },
    hold: () => {
      holding = true
    },
    open: () => {
      holding = false
      for (const release of held) release()
      held.clear()
    },
    dropAll: () => {
      for (const socket of sockets) socket.destroy()
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
    listen: async () => {
      server = createServer(onConnection)
      await listen()
    },
  }
}
