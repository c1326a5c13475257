// Entry of a function host worker thread. It only installs module resolution, then loads the host:
//  - the repo's `./x.js` -> `./x.ts` convention, so the host runs from TypeScript source with Node's type
//    stripping (worker threads do not inherit the main thread's hooks);
//  - a fallback for bare imports the function's bundle leaves external: Lambda's runtime provides the AWS SDK,
//    locally the runner's own node_modules plays that part.
// Nothing here is imported statically from a relative path, so it loads before any hook exists.

import { registerHooks } from 'node:module'
import { workerData } from 'node:worker_threads'

const fallbackParent = (workerData as { fallbackResolveFrom: string }).fallbackResolveFrom

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context)
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error
      if (/^\.{1,2}\/.*\.js$/.test(specifier) && context.parentURL?.endsWith('.ts')) {
        return nextResolve(`${specifier.slice(0, -3)}.ts`, context)
      }
      const bare = !/^(\.|\/|[a-z][a-z0-9+.-]*:)/i.test(specifier)
      if (!bare) throw error
      return nextResolve(specifier, { ...context, parentURL: fallbackParent })
    }
  },
})

await import('./thread-host.js')
