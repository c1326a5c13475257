// Lets Node run the TypeScript sources directly (Node 24 strips types natively). The sources follow the
// repo's TypeScript convention of importing `./x.js` for `./x.ts`, which Node does not rewrite; this resolve hook
// retries a missing relative `.js` import as `.ts`. Use: node --import @cubewalk/local/ts-resolve <entry>.ts
import { registerHooks } from 'node:module'

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context)
    } catch (error) {
      const relativeJs = /^\.{1,2}\/.*\.js$/.test(specifier)
      if (!relativeJs || error?.code !== 'ERR_MODULE_NOT_FOUND') throw error
      return nextResolve(`${specifier.slice(0, -3)}.ts`, context)
    }
  },
})
