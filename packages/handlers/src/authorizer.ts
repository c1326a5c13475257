// Entry point of the TOKEN authorizer Lambda (the stack's NodejsFunction points here).
// The pipeline is in authorizer/create-authorizer.ts; the environment it reads is in config.ts.
import { createAuthorizer } from './authorizer/create-authorizer.js'
import { readAuthorizerConfig } from './config.js'

export const handler = createAuthorizer(readAuthorizerConfig(process.env))
