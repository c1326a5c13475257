// @cubewalk/local: a synthesized CDK app's REST APIs served on localhost as API Gateway would (docs/local.md).
// The runner and what an application passes in; the command line is `@cubewalk/local/cli`.

export {
  RUNNER_STATE_FILE,
  type RunnerState,
  RunnerStateError,
  readRunnerState,
} from './cli/runner-state.js'
export { isAssemblyFresh, SYNTH_KEY_FILE, type SynthInputs, synthCacheKey } from './cli/synth-cache.js'
export { applyFault, type FaultOutcome, type FaultTarget } from './faults/apply-fault.js'
export {
  FAULT_SPECS,
  type Fault,
  type FaultArgument,
  type FaultKind,
  type FaultSpec,
  formatDuration,
  formatFault,
} from './faults/fault.js'
export { FaultError, type FaultErrorCode } from './faults/fault-error.js'
export {
  type AnsweredRequest,
  FaultRequestLog,
  type FaultRequestLogOptions,
} from './faults/fault-request-log.js'
export { parseDuration, parseFault } from './faults/parse-fault.js'
export {
  DEFAULT_MOCK_IDENTITY,
  type MockIdentity,
  MockIdentityError,
  mockRequestContextAuthorizer,
} from './gateway/mock-identity.js'
export { PortInUseError, type RequestRecord } from './gateway/server.js'
export {
  DEBUG_TIMEOUT_MS,
  type InvocationReport,
  type Isolation,
  type LambdaPool,
} from './lambda/lambda-pool.js'
export {
  type CacheMode,
  DEFAULT_CONCURRENCY,
  DEFAULT_PORT,
  DEFAULT_TOKEN,
  LOCAL_FUNCTION_CREDENTIALS,
  type ReloadReport,
  type Runner,
  type RunnerOptions,
  startRunner,
} from './runner.js'
export type { ApiGatewayEndpoint } from './services/api-gateway-endpoint.js'
export type { AdminConnection } from './services/cache-front/admin-connection.js'
export {
  type CacheFront,
  type CacheFrontAddress,
  type CacheFrontEvent,
  type CacheFrontStats,
  IAM_CONNECTION_LIFETIME_MS,
} from './services/cache-front/cache-front.js'
export {
  type CacheShape,
  type CacheUserShape,
  readCacheShapes,
} from './services/cache-front/cache-template.js'
export {
  type LocalCache,
  type LocalCacheFaultState,
  type LocalCacheOptions,
  type LocalCacheReplica,
  MAX_LOCAL_REPLICAS,
  startLocalCache,
} from './services/cache-front/local-cache.js'
export { freePort, pingRedis, RedisServerMissingError } from './services/redis-server.js'
export type { SsmEndpoint } from './services/ssm-endpoint.js'
export type { ApiModel, FunctionModel, RestApiModel } from './template/api-model.js'
export { CloudAssemblyError } from './template/cloud-assembly.js'
export { startWatch, type Watch, type WatchEvent, type WatchOptions } from './watch/watch.js'
export type {
  FunctionSource,
  LocalCacheService,
  LocalServices,
  LocalWiring,
  SeededParameter,
} from './wiring.js'
