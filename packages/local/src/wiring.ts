// What an application tells the runner about its own functions. The runner emulates API Gateway, Lambda,
// ElastiCache (a local redis-server) and SSM Parameter Store for any synthesized stack; which variable of which
// function points at a cloud-only thing, and which parameters hold the credentials a local caller uses, only the
// application knows. It passes that in as a LocalWiring; without one, functions run with their template
// environment plus Lambda's reserved variables.

import type { ApiModel, FunctionModel } from './template/api-model.js'

/** The local stand-ins a function can be pointed at. */
export interface LocalServices {
  /**
   * `redis://127.0.0.1:<port>`: the private redis-server (or REDIS_URL) the ElastiCache endpoints resolve to, with
   * the plain cache (`cache: 'plain'`). Undefined with the faithful cache, which `cache` describes instead.
   */
  readonly redisUrl: string | undefined
  /** The faithful cache (the default of the CLI): the template's cache endpoints resolve to it. */
  readonly cache?: LocalCacheService | undefined
}

/**
 * The faithful local cache as a function sees it: the template's endpoint (TLS when the template encrypts in
 * transit, trusted through NODE_EXTRA_CA_CERTS, which the runner sets), its ACL users, IAM tokens checked.
 */
export interface LocalCacheService {
  readonly host: string
  readonly port: number
  readonly tls: boolean
  readonly clusterMode: boolean
  readonly serverless: boolean
  /** Replication group id or serverless cache name, as in the template. */
  readonly cacheName: string
  /**
   * Replicas that can confirm a write (Redis WAIT) locally: the template's count for a node-based cache without
   * cluster mode (LocalCache.replicas), 0 for serverless and cluster-mode caches.
   */
  readonly replicas: number
}

/** A parameter the local SSM endpoint serves besides the template's own AWS::SSM::Parameter resources. */
export interface SeededParameter {
  readonly name: string
  readonly value: string
  readonly type: 'String' | 'StringList' | 'SecureString'
}

/**
 * Where a function's code comes from, so that `--watch` can rebuild that function alone when its sources change
 * (docs/local.md, "Watch mode"). The cloud assembly holds only the built asset, not how it was built: the application says.
 */
export type FunctionSource =
  | {
      /** A bundle esbuild builds from `entry` with `options`: what a NodejsFunction's `entry` and `bundling` say. */
      readonly kind: 'esbuild'
      /** Absolute path of the entry point. */
      readonly entry: string
      /** Options for `esbuild.build` (bundle, format, target, minify, sourcemap...), minus entry and output. */
      readonly options?: Readonly<Record<string, unknown>>
    }
  | {
      /** The asset is this directory as is (`Code.fromAsset(dir)` without bundling). */
      readonly kind: 'directory'
      /** Absolute path of the directory. */
      readonly path: string
    }

export interface LocalWiring {
  /**
   * Variables a function gets on top of (or instead of) its template environment; `null` removes one. Called
   * once per function, before its first instance starts.
   */
  environment?(fn: FunctionModel, services: LocalServices): Record<string, string | null>
  /** Parameters to serve from the local SSM endpoint, given the tokens the local caller is told to use. */
  parameters?(model: ApiModel, tokens: readonly string[]): SeededParameter[]
  /** Warnings about the tokens (e.g. one a function would refuse), printed before serving. */
  checkTokens?(model: ApiModel, tokens: readonly string[]): string[]
  /**
   * For `--watch`: where the function's code comes from (its `cdkPath` says which function it is), or
   * `undefined` for a function whose code is rebuilt only by a new `cdk synth`.
   */
  functionSource?(fn: FunctionModel): FunctionSource | undefined
}
