// Stands in for `node:http` in the bundles (bundling.mjs `alias`). Code in the bundle (@middy/util,
// @cubewalk/middleware's jsonResponse) only reads STATUS_CODES, but an ESM `import ... from 'node:http'` makes
// Node build the module's ESM facade, which evaluates every lazy export, and the `WebSocket`/fetch ones load
// undici: about 30 ms of cold start for a status-text table. process.getBuiltinModule returns the same CommonJS
// module without the facade. A bundled module that imports any other name from node:http fails the build
// ("No matching export"), never silently at run time.
const statusCodes = () => process.getBuiltinModule('node:http').STATUS_CODES
// Pure: a bundle that never reads STATUS_CODES (the authorizer) drops the lookup entirely.
export const STATUS_CODES = /* @__PURE__ */ statusCodes()
