import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { REDIS_CLI_BIN, type RedisProcess, startRedis } from '@cubewalk/redis-harness'
import type { TestCertificates } from './tls-certs.js'

const run = promisify(execFile)

export interface TlsCluster {
  readonly nodes: readonly RedisProcess[]
  /** redis-cli against one node, authenticated. */
  cli(node: RedisProcess, ...args: string[]): Promise<string>
  stop(): Promise<void>
}

/**
 * A Redis Cluster shaped like ElastiCache cluster mode with in-transit encryption and AUTH: TLS only (client
 * and cluster bus), a password, and nodes announced by host name (`localhost`) rather than by IP.
 */
export const startTlsCluster = async (
  certs: TestCertificates,
  password: string,
  masters = 3,
): Promise<TlsCluster> => {
  const tls = { certFile: certs.certFile, keyFile: certs.keyFile, caFile: certs.caFile }
  const nodes: RedisProcess[] = []
  const auth = ['-a', password, '--no-auth-warning']
  const cli = (node: RedisProcess, ...args: string[]): Promise<string> => node.cli(...auth, ...args)
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()))
  }
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(
        await startRedis({
          tls,
          args: [
            '--requirepass',
            password,
            '--masterauth',
            password,
            '--cluster-enabled',
            'yes',
            '--cluster-node-timeout',
            '2000',
            '--tls-cluster',
            'yes',
            '--tls-replication',
            'yes',
            '--cluster-announce-hostname',
            'localhost',
            '--cluster-preferred-endpoint-type',
            'hostname',
          ],
        }),
      )
    }
    await run(
      REDIS_CLI_BIN,
      [
        '--tls',
        '--cacert',
        certs.caFile,
        '--cert',
        certs.certFile,
        '--key',
        certs.keyFile,
        ...auth,
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: 30_000 },
    )
    const deadline = Date.now() + 15_000
    for (const node of nodes) {
      while (!(await cli(node, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) {
        if (Date.now() > deadline) throw new Error('TLS cluster did not reach cluster_state:ok')
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    }
  } catch (error) {
    await stop()
    throw error
  }
  return { nodes, cli, stop }
}
