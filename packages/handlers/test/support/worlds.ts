import { randomBytes } from 'node:crypto'

/**
 * A world-id prefix unique to one test file and run: files share one Redis server and run in parallel, so
 * each keeps to its own worlds. Short enough to leave room in the 32-character world id.
 */
export const uniqueWorldPrefix = (name: string): string => `${name}${randomBytes(4).toString('hex')}`
