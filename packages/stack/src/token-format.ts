import { randomBytes } from 'node:crypto'

/**
 * `cubewalk_` and 32 random bytes in base64url: 256 bits of entropy, characters that survive a header and a shell,
 * and a prefix that lets secret scanners recognise a leaked token. The stack's first token (made at deploy by the
 * tokens parameter's custom resource) and every one `cubewalk-tokens` adds have this form.
 */
export const generateToken = (): string => `cubewalk_${randomBytes(32).toString('base64url')}`
