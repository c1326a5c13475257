export * from './durable-writes.js'
export * from './json-response.js'
export * from './redis-pool.js'
export * from './token-authorizer.js'
