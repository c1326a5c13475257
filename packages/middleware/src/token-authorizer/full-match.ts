import { TokenAuthorizerConfigError } from './configuration-error.js'

/**
 * A RegExp that matches only when `pattern` matches the whole input, as if it were written `^(?:pattern)$`.
 *
 * The flags `g` and `y` are dropped (they make `test()` stateful through `lastIndex`), and so is `m` (it would
 * let `^`/`$` match at line breaks inside the token). Other flags (`i`, `u`, `v`, `s`) are kept.
 *
 * @throws TokenAuthorizerConfigError when a string pattern is not a valid regular expression.
 */
export const fullMatch = (pattern: RegExp | string): RegExp => {
  let source: string
  let flags: string
  if (typeof pattern === 'string') {
    try {
      // Compiled alone first, so a source such as `a)|(b` cannot become valid only once wrapped.
      source = new RegExp(pattern).source
    } catch (error) {
      throw new TokenAuthorizerConfigError(
        `options.pattern is not a valid regular expression: ${String(error)}`,
      )
    }
    flags = ''
  } else if (pattern instanceof RegExp) {
    source = pattern.source
    flags = pattern.flags.replace(/[gmy]/g, '')
  } else {
    throw new TokenAuthorizerConfigError('options.pattern must be a RegExp or a string')
  }
  return new RegExp(`^(?:${source})$`, flags)
}
