// The cache front's parts on their own: the command splitter on every way a stream can be cut, the certificates
// as Node and the TLS stack read them, and what a token must name.

import { X509Certificate } from 'node:crypto'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { createLocalCertificates } from '../src/services/cache-front/certificates.js'
import { verifyIamToken } from '../src/services/cache-front/iam-token.js'
import { encodeCommand, RespCommandReader, RespProtocolError } from '../src/services/cache-front/resp.js'

const text = (args: readonly Buffer[]) => args.map((arg) => arg.toString('latin1'))

describe('RespCommandReader', () => {
  it('finds the same commands however the stream is cut, with each command’s exact bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ minLength: 0, maxLength: 12 }), { minLength: 1, maxLength: 5 }), {
          minLength: 1,
          maxLength: 6,
        }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (commands, cuts) => {
          const stream = Buffer.concat(commands.map((command) => encodeCommand(command)))
          const points = [...new Set(cuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b)
          const reader = new RespCommandReader()
          const seen: string[][] = []
          const raws: Buffer[] = []
          let from = 0
          for (const point of [...points, stream.length]) {
            for (const command of reader.push(stream.subarray(from, point))) {
              seen.push(text(command.args))
              raws.push(Buffer.from(command.raw))
            }
            from = point
          }
          expect(seen).toEqual(
            commands.map((command) => command.map((arg) => Buffer.from(arg).toString('latin1'))),
          )
          expect(Buffer.concat(raws).equals(stream)).toBe(true)
        },
      ),
    )
  })

  it('reads inline commands as Redis does, and refuses what Redis calls a protocol error', () => {
    const reader = new RespCommandReader()
    expect(reader.push(Buffer.from('AUTH  user tok\r\nPI')).map((c) => text(c.args))).toEqual([
      ['AUTH', 'user', 'tok'],
    ])
    expect(reader.push(Buffer.from('NG\n')).map((c) => text(c.args))).toEqual([['PING']])
    expect(() => new RespCommandReader().push(Buffer.from('*1\r\n+x\r\n'))).toThrow(RespProtocolError)
    expect(() => new RespCommandReader().push(Buffer.from('*x\r\n'))).toThrow(RespProtocolError)
  })
})

describe('createLocalCertificates', () => {
  it('makes a CA and a server certificate it signed, naming the given hosts', () => {
    const certificates = createLocalCertificates({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] })
    const ca = new X509Certificate(certificates.caPem)
    const server = new X509Certificate(certificates.certPem)
    expect(ca.ca).toBe(true)
    expect(server.ca).toBe(false)
    expect(server.verify(ca.publicKey)).toBe(true)
    expect(server.checkIssued(ca)).toBe(true)
    expect(server.checkHost('localhost')).toBe('localhost')
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1')
    expect(server.checkHost('example.com')).toBeUndefined()
    expect(new Date(server.validTo).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000)
    // Each start has its own CA: a certificate from another run is not trusted.
    const other = new X509Certificate(createLocalCertificates().caPem)
    expect(server.verify(other.publicKey)).toBe(false)
  })
})

describe('verifyIamToken', () => {
  const expected = {
    cacheName: 'c',
    serverless: false,
    region: 'us-east-1',
    credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'not-a-secret' },
  }
  it.each([
    ['', /no "\/\?"/],
    ['d/?Action=connect', /cache "d"/],
    ['c/?Action=connect&Action=connect', /given twice/],
    ['c/?Action=connect&User=u&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-SignedHeaders=host', /X-Amz-Date/],
  ])('refuses %j, saying why', (token, reason) => {
    const verdict = verifyIamToken(token, 'u', expected, new Date())
    expect(verdict.ok).toBe(false)
    expect(verdict.ok ? '' : verdict.reason).toMatch(reason)
  })
})
