// @cubewalk/local: a synthesized CDK app's REST APIs served on localhost as API Gateway would (docs/local.md).
// The runner and what an application passes in; the command line is `@cubewalk/local/cli`.

export { isAssemblyFresh, SYNTH_KEY_FILE, type SynthInputs, synthCacheKey } from './cli/synth-cache.js'
export {
  DEFAULT_MOCK_IDENTITY,
  type MockIdentity,
  MockIdentityError,
  mockRequestContextAuthorizer,
} from './gateway/mock-identity.js'
export { PortInUseError, type RequestRecord } from './gateway/server.js'
export type { InvocationReport, Isolation, LambdaPool } from './lambda/lambda-pool.js'
export {
  DEFAULT_CONCURRENCY,
  DEFAULT_PORT,
  DEFAULT_TOKEN,
  type ReloadReport,
  type Runner,
  type RunnerOptions,
  startRunner,
} from './runner.js'
export { freePort, pingRedis, RedisServerMissingError } from './services/redis-server.js'
export type { SsmEndpoint } from './services/ssm-endpoint.js'
export type { ApiModel, FunctionModel, RestApiModel } from './template/api-model.js'
export { CloudAssemblyError } from './template/cloud-assembly.js'
export { startWatch, type Watch, type WatchEvent, type WatchOptions } from './watch/watch.js'
export type { FunctionSource, LocalServices, LocalWiring, SeededParameter } from './wiring.js'
