// The throwaway certificate authority of the local cache: a CA made at start and a server certificate it signs
// for 127.0.0.1 and localhost. Functions trust that CA (and no other for the cache), as a deployed function trusts
// the public CA behind ElastiCache's certificates.
//
// node:crypto makes keys and signatures but no X.509 certificates, and neither the `openssl` CLI (missing from
// slim images, 133-235 ms) nor a dependency is worth it for two certificates: @peculiar/x509, the well-kept
// library for it, measured here (2026-12-03, Node 24) at 167-173 ms to import (with the reflect-metadata it needs)
// plus 39-41 ms to make the same two certificates, and 21 packages, against 5-12 ms for this file in all, on every
// `npm start`. The DER below is the few fields RFC 5280 needs, EC P-256 keys, ECDSA with SHA-256; the tests parse
// it with node:crypto's X509Certificate and verify the chain with a real TLS handshake.

import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto'

export interface LocalCertificates {
  /** The CA's certificate (PEM): what a client trusts. */
  readonly caPem: string
  /** The server certificate (PEM), for `127.0.0.1` and `localhost`, signed by the CA. */
  readonly certPem: string
  /** The server certificate's private key (PKCS#8 PEM). */
  readonly keyPem: string
}

// --- DER, just what a certificate uses ---

const tlv = (tag: number, content: Buffer): Buffer => {
  const length = content.length
  let header: Buffer
  if (length < 0x80) header = Buffer.from([tag, length])
  else {
    const bytes: number[] = []
    for (let rest = length; rest > 0; rest >>= 8) bytes.unshift(rest & 0xff)
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes])
  }
  return Buffer.concat([header, content])
}

const sequence = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items))
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items))
const octetString = (content: Buffer): Buffer => tlv(0x04, content)
const bitString = (content: Buffer, unusedBits = 0): Buffer =>
  tlv(0x03, Buffer.concat([Buffer.from([unusedBits]), content]))
const booleanTrue = Buffer.from([0x01, 0x01, 0xff])
const utf8String = (text: string): Buffer => tlv(0x0c, Buffer.from(text, 'utf8'))
const explicit = (tagNumber: number, content: Buffer): Buffer => tlv(0xa0 | tagNumber, content)

/** A positive INTEGER from big-endian bytes (a leading zero keeps a high first bit from meaning negative). */
const integer = (bytes: Buffer): Buffer => {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0 && ((bytes[start + 1] as number) & 0x80) === 0)
    start++
  const trimmed = bytes.subarray(start)
  return tlv(
    0x02,
    ((trimmed[0] as number) & 0x80) === 0 ? trimmed : Buffer.concat([Buffer.from([0]), trimmed]),
  )
}

const oid = (dotted: string): Buffer => {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number)
  const bytes = [first * 40 + second]
  for (const arc of rest) {
    const groups = [arc & 0x7f]
    for (let value = arc >>> 7; value > 0; value >>>= 7) groups.unshift((value & 0x7f) | 0x80)
    bytes.push(...groups)
  }
  return tlv(0x06, Buffer.from(bytes))
}

/** UTCTime (YYMMDDHHMMSSZ), valid for the years 1950 to 2049 as RFC 5280 asks. */
const utcTime = (date: Date): Buffer =>
  tlv(0x17, Buffer.from(`${date.toISOString().slice(2, 19).replace(/[-:T]/g, '')}Z`, 'ascii'))

const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'))
const commonName = (cn: string): Buffer => sequence(set(sequence(oid('2.5.4.3'), utf8String(cn))))

const extension = (id: string, value: Buffer, critical = false): Buffer =>
  sequence(oid(id), ...(critical ? [booleanTrue] : []), octetString(value))

const keyId = (publicKey: KeyObject): Buffer =>
  createHash('sha1')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest()

interface CertificateRequest {
  readonly subject: string
  readonly issuer: string
  readonly publicKey: KeyObject
  readonly signingKey: KeyObject
  readonly issuerKeyId: Buffer
  readonly notBefore: Date
  readonly notAfter: Date
  readonly extensions: Buffer[]
}

const certificate = (request: CertificateRequest): Buffer => {
  const serial = randomBytes(16)
  serial[0] = (serial[0] as number) & 0x7f
  const tbs = sequence(
    explicit(0, integer(Buffer.from([2]))), // v3
    integer(serial),
    ecdsaWithSha256,
    commonName(request.issuer),
    sequence(utcTime(request.notBefore), utcTime(request.notAfter)),
    commonName(request.subject),
    request.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(
      3,
      sequence(
        ...request.extensions,
        extension('2.5.29.14', octetString(keyId(request.publicKey))),
        extension('2.5.29.35', sequence(tlv(0x80, request.issuerKeyId))),
      ),
    ),
  )
  // node:crypto signs EC keys in DER (r, s) form, which is what X.509 carries.
  return sequence(tbs, ecdsaWithSha256, bitString(sign('sha256', tbs, request.signingKey)))
}

const pem = (label: string, der: Buffer): string =>
  `-----BEGIN ${label}-----\n${der
    .toString('base64')
    .replace(/.{64}/g, '$&\n')
    .replace(/\n$/, '')}\n-----END ${label}-----\n`

export interface CreateCertificatesOptions {
  /** Host names the server certificate names (default `localhost`). */
  readonly dnsNames?: readonly string[]
  /** IPv4 addresses it names (default `127.0.0.1`). */
  readonly ipAddresses?: readonly string[]
  /** Default: now. */
  readonly now?: Date
  /** How long both certificates are valid (default 30 days). */
  readonly validDays?: number
}

/** A new CA and a server certificate it signed; nothing is written to disk. */
export const createLocalCertificates = (options: CreateCertificatesOptions = {}): LocalCertificates => {
  const now = options.now ?? new Date()
  // An hour back: a client whose clock lags a little still accepts a certificate made this second.
  const notBefore = new Date(now.getTime() - 3_600_000)
  const notAfter = new Date(now.getTime() + (options.validDays ?? 30) * 86_400_000)
  const ca = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const server = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  const caName = 'cubewalk-local cache CA'
  const caKeyId = keyId(ca.publicKey)

  const caDer = certificate({
    subject: caName,
    issuer: caName,
    publicKey: ca.publicKey,
    signingKey: ca.privateKey,
    issuerKeyId: caKeyId,
    notBefore,
    notAfter,
    extensions: [
      extension('2.5.29.19', sequence(booleanTrue), true), // basicConstraints: CA
      extension('2.5.29.15', bitString(Buffer.from([0x06]), 1), true), // keyUsage: keyCertSign, cRLSign
    ],
  })

  const names = [
    ...(options.dnsNames ?? ['localhost']).map((name) => tlv(0x82, Buffer.from(name, 'ascii'))),
    ...(options.ipAddresses ?? ['127.0.0.1']).map((ip) => tlv(0x87, Buffer.from(ip.split('.').map(Number)))),
  ]
  const serverDer = certificate({
    subject: 'localhost',
    issuer: caName,
    publicKey: server.publicKey,
    signingKey: ca.privateKey,
    issuerKeyId: caKeyId,
    notBefore,
    notAfter,
    extensions: [
      extension('2.5.29.19', sequence(), true), // basicConstraints: not a CA
      extension('2.5.29.15', bitString(Buffer.from([0x80]), 7), true), // keyUsage: digitalSignature
      extension('2.5.29.37', sequence(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
      extension('2.5.29.17', sequence(...names)), // subjectAltName
    ],
  })

  return {
    caPem: pem('CERTIFICATE', caDer),
    certPem: pem('CERTIFICATE', serverDer),
    keyPem: server.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  }
}
