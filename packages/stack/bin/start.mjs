#!/usr/bin/env node
// `npm start`: the synthesized stack served on localhost (packages/stack/src/local, docs/local.md).
// Runs the TypeScript sources directly with Node's type stripping; the resolve hook below maps the repo's
// `./x.js` import convention to `./x.ts`, which plain Node does not do. No build step, nothing to go stale.
import { registerHooks } from 'node:module'

if (!process.features.typescript || typeof registerHooks !== 'function') {
  process.stderr.write(
    `npm start needs Node 24 (found ${process.version}). From the repository root: . scripts/use-node.sh && npm start\n`,
  )
  process.exit(1)
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context)
    } catch (error) {
      if (!/^\.{1,2}\/.*\.js$/.test(specifier) || error?.code !== 'ERR_MODULE_NOT_FOUND') throw error
      return nextResolve(`${specifier.slice(0, -3)}.ts`, context)
    }
  },
})

const { main } = await import('../src/local/main.ts')
// Exit explicitly: a client keeping a connection open must not keep a stopped runner alive.
process.exit(await main(process.argv.slice(2)))
