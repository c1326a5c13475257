#!/usr/bin/env node
// `cubewalk-local`: a synthesized CDK app served on localhost (docs/local.md). Runs the package's TypeScript
// sources directly with Node's type stripping; ts-resolve.mjs maps the `./x.js` import convention to `./x.ts`,
// which plain Node does not do. No build step, nothing to go stale.
// A namespace import: a named import of registerHooks would fail to link on an older Node before the check runs.
import * as nodeModule from 'node:module'

if (!process.features.typescript || typeof nodeModule.registerHooks !== 'function') {
  process.stderr.write(`cubewalk-local needs Node 24 (found ${process.version}).\n`)
  process.exit(1)
}

await import('./ts-resolve.mjs')

const { main } = await import('../src/cli/main.ts')
// Exit explicitly: a client keeping a connection open must not keep a stopped runner alive.
process.exit(await main(process.argv.slice(2)))
