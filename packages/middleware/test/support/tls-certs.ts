import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface TestCertificates {
  readonly dir: string
  /** The test CA's certificate (PEM file and contents). */
  readonly caFile: string
  readonly ca: Buffer
  /** The server's certificate and key, signed by the CA, for `localhost` and `127.0.0.1`. */
  readonly certFile: string
  readonly keyFile: string
  cleanup(): void
}

export interface TestCertificateOptions {
  /**
   * Also name `127.0.0.1` in the certificate (default true). Without it only the host name `localhost` passes the
   * check, as with ElastiCache, whose certificates name host names and never IPs.
   */
  ipAddress?: boolean
}

/**
 * A throwaway CA and a server certificate it signed, made with the `openssl` CLI in a temp dir.
 * EC P-256 keys: generated in milliseconds, and accepted by redis-server and Node alike.
 */
export const createTestCertificates = async (
  options: TestCertificateOptions = {},
): Promise<TestCertificates> => {
  const altNames = options.ipAddress === false ? 'DNS:localhost' : 'DNS:localhost,IP:127.0.0.1'
  const dir = mkdtempSync(join(tmpdir(), 'cubewalk-tls-'))
  const path = (name: string): string => join(dir, name)
  try {
    await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', path('ca.key')])
    await run('openssl', [
      'req',
      '-x509',
      '-new',
      '-key',
      path('ca.key'),
      '-sha256',
      '-days',
      '2',
      '-subj',
      '/CN=cubewalk test CA',
      '-out',
      path('ca.crt'),
    ])
    await run('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', path('server.key')])
    await run('openssl', [
      'req',
      '-new',
      '-key',
      path('server.key'),
      '-subj',
      '/CN=localhost',
      '-out',
      path('server.csr'),
    ])
    writeFileSync(path('server.ext'), `subjectAltName=${altNames}\nextendedKeyUsage=serverAuth,clientAuth\n`)
    await run('openssl', [
      'x509',
      '-req',
      '-in',
      path('server.csr'),
      '-CA',
      path('ca.crt'),
      '-CAkey',
      path('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      path('server.ext'),
      '-out',
      path('server.crt'),
    ])
  } catch (error) {
    rmSync(dir, { recursive: true, force: true })
    throw error
  }
  return {
    dir,
    caFile: path('ca.crt'),
    ca: readFileSync(path('ca.crt')),
    certFile: path('server.crt'),
    keyFile: path('server.key'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}
