// Just enough RESP for the cache front: split what a client sends into commands (without copying the bytes that
// are only forwarded), encode a command, and read replies for the runner's own admin connection.

/** One command as the client sent it: its bytes and its arguments (views into those bytes). */
export interface RespCommand {
  readonly raw: Buffer
  readonly args: readonly Buffer[]
}

export class RespProtocolError extends Error {
  constructor(message: string) {
    super(`Protocol error: ${message}`)
    this.name = 'RespProtocolError'
  }
}

const CRLF = Buffer.from('\r\n')
/** Redis's own limits: 512 MB per argument, 1024 * 1024 arguments per command. */
const MAX_BULK = 512 * 1024 * 1024
const MAX_ARGS = 1024 * 1024
/** An inline command (or a header line) longer than this is refused, as Redis refuses one over 64 KB. */
const MAX_INLINE = 64 * 1024

/** Reads a decimal line `<prefix><n>\r\n` at `offset`: the number and where the next item starts, or undefined. */
const readNumberLine = (buffer: Buffer, offset: number): { value: number; next: number } | undefined => {
  const end = buffer.indexOf(CRLF, offset)
  if (end === -1) {
    if (buffer.length - offset > MAX_INLINE) throw new RespProtocolError('too big count line')
    return undefined
  }
  const text = buffer.toString('latin1', offset + 1, end)
  if (!/^-?\d+$/.test(text)) throw new RespProtocolError(`invalid count ${JSON.stringify(text)}`)
  return { value: Number(text), next: end + 2 }
}

/**
 * Splits a client's byte stream into whole commands. Feed it chunks as they come; it keeps an incomplete tail
 * for the next chunk. Multibulk (`*2\r\n$4\r\nPING...`) and inline (`PING\r\n`) commands, as Redis accepts.
 */
export class RespCommandReader {
  private pending: Buffer = Buffer.alloc(0)

  /** The commands completed by `chunk`, in order. Throws RespProtocolError on bytes Redis would refuse too. */
  push(chunk: Buffer): RespCommand[] {
    const buffer = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const commands: RespCommand[] = []
    let offset = 0
    while (offset < buffer.length) {
      const parsed =
        buffer[offset] === 0x2a /* '*' */ ? this.multibulk(buffer, offset) : this.inline(buffer, offset)
      if (parsed === undefined) break
      if (parsed.command.args.length > 0) commands.push(parsed.command)
      offset = parsed.next
    }
    this.pending = offset === buffer.length ? Buffer.alloc(0) : buffer.subarray(offset)
    return commands
  }

  private multibulk(buffer: Buffer, start: number): { command: RespCommand; next: number } | undefined {
    const header = readNumberLine(buffer, start)
    if (header === undefined) return undefined
    if (header.value > MAX_ARGS) throw new RespProtocolError('invalid multibulk length')
    const args: Buffer[] = []
    let offset = header.next
    for (let i = 0; i < header.value; i++) {
      if (offset >= buffer.length) return undefined
      if (buffer[offset] !== 0x24 /* '$' */) {
        throw new RespProtocolError(`expected '$', got '${String.fromCharCode(buffer[offset] as number)}'`)
      }
      const length = readNumberLine(buffer, offset)
      if (length === undefined) return undefined
      if (length.value < 0 || length.value > MAX_BULK) throw new RespProtocolError('invalid bulk length')
      const end = length.next + length.value
      if (end + 2 > buffer.length) return undefined
      args.push(buffer.subarray(length.next, end))
      offset = end + 2
    }
    return { command: { raw: buffer.subarray(start, offset), args }, next: offset }
  }

  private inline(buffer: Buffer, start: number): { command: RespCommand; next: number } | undefined {
    const end = buffer.indexOf(0x0a /* '\n' */, start)
    if (end === -1) {
      if (buffer.length - start > MAX_INLINE) throw new RespProtocolError('too big inline request')
      return undefined
    }
    const line = buffer.toString('latin1', start, end).replace(/\r$/, '')
    const args = line
      .split(' ')
      .filter((word) => word !== '')
      .map((word) => Buffer.from(word, 'latin1'))
    return { command: { raw: buffer.subarray(start, end + 1), args }, next: end + 1 }
  }
}

/** A command in multibulk form. */
export const encodeCommand = (args: readonly (string | Buffer)[]): Buffer => {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)]
  for (const arg of args) {
    const bytes = typeof arg === 'string' ? Buffer.from(arg) : arg
    parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, CRLF)
  }
  return Buffer.concat(parts)
}

/** A reply as the admin connection reads it (RESP2): errors are values, not exceptions. */
export type RespReply = string | number | null | RespError | RespReply[]

export class RespError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RespError'
  }
}

/** Reads whole replies from a byte stream: RESP2, and RESP3's types with maps and sets as flat arrays. */
export class RespReplyReader {
  private pending: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): RespReply[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk])
    const replies: RespReply[] = []
    let offset = 0
    for (;;) {
      const parsed = this.reply(this.pending, offset)
      if (parsed === undefined) break
      replies.push(parsed.value)
      offset = parsed.next
    }
    this.pending = this.pending.subarray(offset)
    return replies
  }

  private reply(buffer: Buffer, offset: number): { value: RespReply; next: number } | undefined {
    if (offset >= buffer.length) return undefined
    const end = buffer.indexOf(CRLF, offset)
    if (end === -1) return undefined
    const type = String.fromCharCode(buffer[offset] as number)
    const line = buffer.toString('utf8', offset + 1, end)
    const next = end + 2
    switch (type) {
      case '+':
        return { value: line, next }
      case '-':
        return { value: new RespError(line), next }
      case ':':
      case ',':
      case '(':
        return { value: Number(line), next }
      case '_':
        return { value: null, next }
      case '#':
        return { value: line === 't' ? 1 : 0, next }
      case '$':
      case '=':
      case '!': {
        const length = Number(line)
        if (length < 0) return { value: null, next }
        if (next + length + 2 > buffer.length) return undefined
        const value = buffer.toString('utf8', next, next + length)
        return { value: type === '!' ? new RespError(value) : value, next: next + length + 2 }
      }
      case '*':
      case '~':
      case '>':
      case '%':
      case '|': {
        const count = Number(line) * (type === '%' || type === '|' ? 2 : 1)
        if (count < 0) return { value: null, next }
        const items: RespReply[] = []
        let at = next
        for (let i = 0; i < count; i++) {
          const item = this.reply(buffer, at)
          if (item === undefined) return undefined
          items.push(item.value)
          at = item.next
        }
        return { value: items, next: at }
      }
      default:
        throw new RespProtocolError(`unexpected reply type ${JSON.stringify(type)}`)
    }
  }
}
