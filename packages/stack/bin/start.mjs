#!/usr/bin/env node
// `npm start`: the synthesized stack served on localhost by @cubewalk/local, with cubewalk's wiring
// (src/local-wiring.ts; docs/local.md). Runs the TypeScript sources directly with Node's type stripping;
// @cubewalk/local/ts-resolve maps the repo's `./x.js` import convention to `./x.ts`, which plain Node does not do.
// No build step, nothing to go stale.
// A namespace import: a named import of registerHooks would fail to link on an older Node before the check runs.
import * as nodeModule from 'node:module'
import { fileURLToPath } from 'node:url'

if (!process.features.typescript || typeof nodeModule.registerHooks !== 'function') {
  process.stderr.write(
    `npm start needs Node 24 (found ${process.version}). From the repository root: . scripts/use-node.sh && npm start\n`,
  )
  process.exit(1)
}

await import('@cubewalk/local/ts-resolve')

const { main } = await import('@cubewalk/local/cli')
const { cubewalkWiring } = await import('../src/local-wiring.ts')
const app = {
  command: 'npm start',
  // `npm run local` is this script too, so `npm run local -- fault redis:freeze 5s` reads as the fault command.
  faultCommand: 'npm run local -- fault',
  name: 'cubewalk',
  cdkAppDir: fileURLToPath(new URL('..', import.meta.url)),
  wiring: cubewalkWiring,
  // What `cdk synth` of this app reads, so an unchanged start reuses cdk.out (docs/local.md#synth-cache): the CDK
  // app, the handlers and middleware it bundles (sources, bundling.mjs, package.json) and the installed versions.
  synthInputs: {
    paths: [
      'src',
      'bin',
      'package.json',
      '../handlers',
      '../middleware',
      '../../package.json',
      '../../package-lock.json',
      '../../tsconfig.json',
      '../../tsconfig.base.json',
    ],
  },
}
// Exit explicitly: a client keeping a connection open must not keep a stopped runner alive.
process.exit(await main(process.argv.slice(2), app))
