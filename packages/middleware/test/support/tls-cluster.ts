import { type RedisCluster, startCluster } from '@cubewalk/redis-harness'
import type { TestCertificates } from './tls-certs.js'

export type TlsCluster = RedisCluster

/**
 * A Redis Cluster shaped like ElastiCache cluster mode with in-transit encryption and AUTH: TLS only (client
 * and cluster bus), a password, and nodes announced by host name (`localhost`) rather than by IP.
 */
export const startTlsCluster = (
  certs: TestCertificates,
  password: string,
  masters = 3,
): Promise<TlsCluster> =>
  startCluster(masters, {
    tls: { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile },
    password,
    args: ['--cluster-announce-hostname', 'localhost', '--cluster-preferred-endpoint-type', 'hostname'],
  })
