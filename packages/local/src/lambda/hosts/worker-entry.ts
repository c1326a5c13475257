// Worker thread entries are loaded by file path, as .ts when the runner runs from source (Node's type
// stripping) and as .js once compiled: whichever sits next to the module asking.

import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/** The path of `<name>.js` or `<name>.ts` next to the module at `moduleUrl`. */
export function workerEntry(name: string, moduleUrl: string): string {
  for (const extension of ['.js', '.ts']) {
    const file = fileURLToPath(new URL(`./${name}${extension}`, moduleUrl))
    if (existsSync(file)) return file
  }
  throw new Error(`${name} entry not found next to ${fileURLToPath(moduleUrl)}`)
}
