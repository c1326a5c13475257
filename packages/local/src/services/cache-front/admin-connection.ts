// The runner's own connection to its private redis-server, for setting it up (ACL users, cluster slots) and for
// fault hooks: one plain TCP socket, commands answered in order. No client library: a handful of commands.

import { connect, type Socket } from 'node:net'
import { encodeCommand, RespError, type RespReply, RespReplyReader } from './resp.js'

export class AdminConnection {
  private readonly waiting: { resolve: (reply: RespReply) => void; reject: (error: Error) => void }[] = []
  private failure: Error | undefined
  private readonly socket: Socket

  private constructor(socket: Socket) {
    this.socket = socket
    const reader = new RespReplyReader()
    socket.on('data', (chunk: Buffer) => {
      for (const reply of reader.push(chunk)) this.waiting.shift()?.resolve(reply)
    })
    const fail = (error: Error) => {
      this.failure ??= error
      for (const waiter of this.waiting.splice(0)) waiter.reject(this.failure)
    }
    socket.on('error', fail)
    socket.on('close', () => fail(new Error('the admin connection to redis-server closed')))
  }

  static open(host: string, port: number): Promise<AdminConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port })
      socket.once('error', reject)
      socket.once('connect', () => {
        socket.off('error', reject)
        socket.setNoDelay(true)
        resolve(new AdminConnection(socket))
      })
    })
  }

  /** The reply (an error reply is a RespError value). */
  send(...args: string[]): Promise<RespReply> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject })
      this.socket.write(encodeCommand(args))
    })
  }

  /** The reply; an error reply rejects, naming the command. */
  async command(...args: string[]): Promise<RespReply> {
    const reply = await this.send(...args)
    if (reply instanceof RespError)
      throw new Error(`redis-server refused ${args[0]} ${args[1] ?? ''}: ${reply.message}`)
    return reply
  }

  close(): void {
    this.socket.destroy()
  }
}
