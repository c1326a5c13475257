import { fileURLToPath } from 'node:url'

/** The monorepo root: esbuild's project root and the home of the lock file. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '')

/** Where the handlers package lives; the stack bundles its entry points from source. */
export const handlersRoot = `${repoRoot}/packages/handlers`
