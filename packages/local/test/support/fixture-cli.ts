// `cubewalk-local` (the package's bin) serving an assembly with the fixture app's wiring, in a child process, as
// the command-line tests run it: any free port, the functions' own output hidden, no REDIS_URL or PORT of ours.

import { fileURLToPath } from 'node:url'
import { type Running, startProcess } from '../../src/testing/child-process.js'

export const cliBin = fileURLToPath(new URL('../../bin/cubewalk-local.mjs', import.meta.url))
export const fixtureWiringModule = fileURLToPath(new URL('./fixture-wiring.ts', import.meta.url))

export function startFixtureCli(assemblyDir: string, args: readonly string[] = []): Running {
  return startProcess(
    process.execPath,
    [
      cliBin,
      '--assembly',
      assemblyDir,
      '--wiring',
      fixtureWiringModule,
      '--quiet-functions',
      '--port',
      '0',
      ...args,
    ],
    { env: { ...process.env, REDIS_URL: '', PORT: '', CUBEWALK_CACHE: '' } },
  )
}
