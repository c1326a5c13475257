import { fileURLToPath } from 'node:url'

/** The monorepo root: esbuild's project root and the home of the lock file. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '')
