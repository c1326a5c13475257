// Lets the bench scripts import the runner's TypeScript sources with plain Node 24 (type stripping): the repo
// writes `./x.js` for `./x.ts`, which Node does not map by itself. Same hook as bin/start.mjs.
import { registerHooks } from 'node:module'

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
