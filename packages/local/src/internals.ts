// The runner's pieces one by one, for benches that time a part without the whole (packages/stack/bench) and
// tests that need one stand-in alone (the local SSM endpoint for the token commands' tests).
// Not the package's API: no stability promise; applications use the main entry.

export { buildProxyEvent, parseHeaders, parseQuery } from './gateway/proxy-event.js'
export { matchResource, methodFor } from './gateway/resource-match.js'
export { freePort, startLocalRedis } from './services/redis-server.js'
export { startSsmEndpoint } from './services/ssm-endpoint.js'
export { buildApiModel } from './template/api-model.js'
export { loadStack } from './template/cloud-assembly.js'
export { IntrinsicResolver } from './template/intrinsics.js'
export { DEFAULT_IDENTITY } from './template/template-types.js'
