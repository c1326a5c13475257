import { createConnection, createServer, type Socket } from 'node:net'

export interface TcpProxy {
  readonly port: number
  /** Upstream port of every connection accepted so far, in order. */
  readonly upstreams: readonly number[]
  /**
   * Sends new connections to `port` from now on. Open connections stay with their old upstream, as after a
   * DNS change of an ElastiCache primary endpoint: the name moves, established sockets don't.
   */
  retarget(port: number): void
  /**
   * Silently stops forwarding on every open connection, in both directions, without closing it: no FIN, no
   * RST, as when a NAT or a frozen Lambda's network path forgets a connection. New connections work.
   */
  blackholeOpenConnections(): void
  close(): Promise<void>
}

/** A TCP forwarder on 127.0.0.1 standing for a DNS name (e.g. an ElastiCache primary endpoint). */
export const startTcpProxy = async (targetPort: number): Promise<TcpProxy> => {
  let target = targetPort
  const upstreams: number[] = []
  const sockets = new Set<Socket>()
  const pairs = new Set<[Socket, Socket]>()
  const track = (socket: Socket): void => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
  }
  const server = createServer((downstream) => {
    track(downstream)
    upstreams.push(target)
    const upstream = createConnection({ host: '127.0.0.1', port: target })
    track(upstream)
    // No Nagle delay in the middle: a real endpoint forwards small replies (and replication ACKs) at once.
    downstream.setNoDelay(true)
    upstream.setNoDelay(true)
    // Either side closing or failing closes the pair, so a client sees what it would see from the server.
    const closeBoth = (): void => {
      downstream.destroy()
      upstream.destroy()
    }
    downstream.on('error', closeBoth)
    upstream.on('error', closeBoth)
    downstream.on('close', closeBoth)
    upstream.on('close', closeBoth)
    downstream.pipe(upstream)
    upstream.pipe(downstream)
    const pair: [Socket, Socket] = [downstream, upstream]
    pairs.add(pair)
    downstream.once('close', () => pairs.delete(pair))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    port,
    upstreams,
    retarget: (next) => {
      target = next
    },
    blackholeOpenConnections: () => {
      for (const [downstream, upstream] of pairs) {
        downstream.unpipe(upstream)
        upstream.unpipe(downstream)
        // Read and drop whatever arrives from now on, so nothing is ever answered.
        downstream.on('data', () => {})
        upstream.on('data', () => {})
      }
      pairs.clear()
    },
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
