#!/usr/bin/env node
// `cubewalk-tokens` / `npm run tokens -- …`: list, add, revoke and rotate the API's tokens (src/tokens/main.ts,
// docs/deploy.md#tokens). Runs the TypeScript sources directly with Node's type stripping, as bin/start.mjs does.
import * as nodeModule from 'node:module'

if (!process.features.typescript || typeof nodeModule.registerHooks !== 'function') {
  process.stderr.write(
    `cubewalk-tokens needs Node 24 (found ${process.version}). From the repository root: . scripts/use-node.sh\n`,
  )
  process.exit(1)
}

await import('@cubewalk/local/ts-resolve')
const { main } = await import('../src/tokens/main.ts')
// Exit explicitly: an SDK connection kept alive must not hold the command open.
process.exit(await main(process.argv.slice(2)))
