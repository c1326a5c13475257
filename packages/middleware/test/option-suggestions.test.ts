// The "did you mean" hint of an unknown option key (checkKnownKeys, shared by every factory): which known key a
// typo is taken for, and when a key is too far from all of them to suggest one.
import { describe, expect, it } from 'vitest'
import { checkKnownKeys } from '../src/options/check-known-keys.js'

const known = ['connectTimeout', 'commandTimeout', 'host', 'db', 'awaitConnection']

/** The hint for `key`, or undefined when the message has none. */
const hintFor = (key: string): string | undefined => {
  try {
    checkKnownKeys({ [key]: 1 }, known, (message) => new Error(message))
  } catch (error) {
    return /did you mean "([^"]+)"/.exec((error as Error).message)?.[1]
  }
  throw new Error(`${key} was accepted`)
}

describe('checkKnownKeys: the suggestion for an unknown key', () => {
  it('takes the same letters in another case first', () => {
    expect(hintFor('CONNECTTIMEOUT')).toBe('connectTimeout')
    expect(hintFor('Host')).toBe('host')
  })

  it('counts a swap of two adjacent letters as one edit', () => {
    // 4 letters allow 1 edit: a swap is one, as a deletion plus an insertion it would be two.
    expect(hintFor('hsot')).toBe('host')
    expect(hintFor('ohst')).toBe('host')
    expect(hintFor('connetcTimeout')).toBe('connectTimeout')
  })

  it('allows a third of the key length in edits (at least 1), and suggests nothing beyond', () => {
    expect(hintFor('b')).toBe('db')
    expect(hintFor('hxxt')).toBeUndefined()
    // 15 letters: up to 5 edits.
    expect(hintFor('awaitConnectxxx')).toBe('awaitConnection')
    expect(hintFor('awaitConnxxxxxx')).toBeUndefined()
    // Length alone already rules a key out.
    expect(hintFor('connectTimeoutconnectTimeout')).toBeUndefined()
  })

  it('takes the nearest key', () => {
    expect(hintFor('commandTimeou')).toBe('commandTimeout')
    // Two edits from commandTimeout, three from connectTimeout (listed first).
    expect(hintFor('connandTimeout')).toBe('commandTimeout')
  })
})
