// Entity tags and conditional requests (RFC 9110 §8.8.3, §13.1).
// A chunk's ETag is its version in quotes, e.g. "42": versions come from the world's counter, so they only
// grow and are never reused, not even after the chunk is deleted and written again. A tag a client kept from
// an earlier life of the chunk therefore never matches by accident (no ABA).
import { badRequest } from './errors.js'

export const etagOf = (version: number): string => `"${version}"`

/** A precondition as the Lua scripts take it: '' absent, '*' any, or versions joined by spaces ('-' = none). */
export type ScriptCondition = string

export interface Preconditions {
  readonly ifMatch: ScriptCondition
  readonly ifNoneMatch: ScriptCondition
}

export const noPreconditions: Preconditions = { ifMatch: '', ifNoneMatch: '' }

const maxTags = 32
const versionTag = /^"(\d{1,15})"$/
// Clients often send the bare version (If-Match: 42); accept it too, it cannot mean anything else here.
const bareVersion = /^\d{1,15}$/

/**
 * Parses If-Match (strong comparison: weak tags never match) or If-None-Match (weak comparison: W/ ignored).
 * Tags that are not one of our versions are kept as "matches nothing", which is what they are.
 */
const parseCondition = (header: string | undefined, name: string, weakAllowed: boolean): ScriptCondition => {
  const value = header?.trim() ?? ''
  if (value === '') return ''
  if (value === '*') return '*'
  const tags = value.split(',')
  if (tags.length > maxTags) throw badRequest(`${name} lists more than ${maxTags} entity tags`)
  const versions: string[] = []
  for (const raw of tags) {
    let tag = raw.trim()
    const weak = tag.startsWith('W/')
    if (weak) {
      if (!weakAllowed) continue
      tag = tag.slice(2)
    }
    const match = versionTag.exec(tag) ?? bareVersion.exec(tag)
    if (match) versions.push(String(Number(match[1] ?? match[0])))
  }
  return versions.length > 0 ? versions.join(' ') : '-'
}

export const parsePreconditions = (
  ifMatch: string | undefined,
  ifNoneMatch: string | undefined,
): Preconditions => ({
  ifMatch: parseCondition(ifMatch, 'If-Match', false),
  ifNoneMatch: parseCondition(ifNoneMatch, 'If-None-Match', true),
})

/** GET with If-None-Match: true when the client's copy is current, i.e. the answer is 304. */
export const notModified = (ifNoneMatch: string | undefined, version: number): boolean => {
  const condition = parseCondition(ifNoneMatch, 'If-None-Match', true)
  if (condition === '') return false
  if (condition === '*') return true
  return condition.split(' ').includes(String(version))
}
