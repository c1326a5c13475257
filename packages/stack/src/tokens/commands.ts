// The token commands themselves, on a TokenStore and a cache flush: list, add, revoke (--now), rotate. What they
// print: a new token alone on stdout, exactly once, so `TOKEN=$(npm run -s tokens -- add ci)` captures it;
// everything else (what happened, what to do next) on stderr. No other output ever carries a token or its hash.

import { DEFAULT_TOKENS_CACHE_TTL_SECONDS, TOKENS_REVALIDATE_AFTER_SECONDS } from '@cubewalk/handlers/config'
import { generateToken } from '../token-format.js'
import { checkTokenName, type TokenMap } from './token-map.js'
import type { TokenStore } from './token-store.js'

/** A command refused (or stopped half-way), with what to do about it; nothing of it is a token. */
export class CommandError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CommandError'
  }
}

export interface CommandIo {
  /** stdout: the new token, or the listing. */
  out(line: string): void
  /** stderr: everything said to the operator. */
  err(line: string): void
}

export interface CommandContext {
  readonly store: TokenStore
  readonly io: CommandIo
  /** What the commands act on, for messages (`stack Cubewalk`). */
  readonly description: string
  /** FlushStageAuthorizersCache for the stack's stage; `undefined` when the stack does not name its API. */
  readonly flushAuthorizerCache: (() => Promise<string>) | undefined
  readonly sleep: (ms: number) => Promise<void>
  readonly now: () => Date
}

/**
 * How long `revoke --now` waits between removing the token and flushing API Gateway's cache: past the authorizer's
 * revalidation age, so that every warm authorizer API Gateway asks after the flush checks a fresh copy.
 */
export const REVOKE_SETTLE_MS = (TOKENS_REVALIDATE_AFTER_SECONDS + 1) * 1000

const ttlNote = `Warm authorizers pick it up when their cached copy expires: within ${DEFAULT_TOKENS_CACHE_TTL_SECONDS} s with the stack's default (prop tokensCacheTtl).`

const formatDate = (date: Date): string => `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`

export const listTokens = async (
  context: CommandContext,
  options: { json?: boolean } = {},
): Promise<void> => {
  const { version, tokens } = await context.store.ages()
  if (options.json) {
    context.io.out(
      JSON.stringify(
        tokens.map((t) => ({ name: t.name, added: t.added.toISOString(), addedExactly: t.exact })),
        null,
        2,
      ),
    )
    return
  }
  const width = Math.max(4, ...tokens.map((t) => t.name.length))
  context.io.out(`${'NAME'.padEnd(width)}  ADDED`)
  for (const token of tokens) {
    context.io.out(
      `${token.name.padEnd(width)}  ${token.exact ? '' : 'on or before '}${formatDate(token.added)}`,
    )
  }
  context.io.err(
    `${tokens.length} token${tokens.length === 1 ? '' : 's'} in ${context.store.parameterName} (version ${version}), ${context.description}`,
  )
}

const addTo = (name: string, token: string) => (tokens: TokenMap) => {
  if (tokens.has(name)) {
    throw new CommandError(`a token named ${name} already exists: pick another name, or rotate ${name}`)
  }
  return new Map(tokens).set(name, token)
}

const addToken = async (context: CommandContext, name: string): Promise<number> => {
  checkTokenName(name)
  const token = generateToken()
  const { version } = await context.store.update(addTo(name, token))
  context.io.out(token)
  return version
}

export const add = async (context: CommandContext, name: string): Promise<void> => {
  const version = await addToken(context, name)
  context.io.err(
    `Added token ${name} to ${context.store.parameterName} (version ${version}), ${context.description}. It is printed above, once: store it now. ${ttlNote}`,
  )
}

export const revoke = async (context: CommandContext, name: string, options: { now?: boolean } = {}) => {
  const { io, store } = context
  if (options.now && context.flushAuthorizerCache === undefined) {
    throw new CommandError(
      'the stack has no ApiId/ApiStage (or BlocksUrl) output, so --now cannot flush its cache; nothing was changed',
    )
  }
  let absent = false
  const { version } = await store.update((tokens) => {
    if (!tokens.has(name)) {
      // Already gone (e.g. revoked earlier without --now): --now still cuts off what the caches hold.
      if (options.now) {
        absent = true
        return undefined
      }
      throw new CommandError(
        `there is no token named ${name} in ${store.parameterName}; \`list\` shows the names`,
      )
    }
    if (tokens.size === 1) {
      throw new CommandError(
        `${name} is the last token: without one the authorizer answers every request with 500. Add its successor first (rotate ${name}).`,
      )
    }
    const next = new Map(tokens)
    next.delete(name)
    return next
  })
  io.err(
    absent
      ? `There is no token named ${name} in ${store.parameterName} (version ${version}): flushing the caches anyway.`
      : `Revoked ${name}: removed from ${store.parameterName} (version ${version}), ${context.description}.`,
  )
  if (!options.now || context.flushAuthorizerCache === undefined) {
    io.err(
      `It keeps working until both caches forget it: the authorizers' copy of the tokens (up to ${DEFAULT_TOKENS_CACHE_TTL_SECONDS} s by default) and API Gateway's cached Allow for it (the authorizer TTL, 300 s by default). Use --now to cut it off within seconds.`,
    )
    return
  }
  io.err(
    `Waiting ${REVOKE_SETTLE_MS / 1000} s, until every warm authorizer's copy is old enough to be checked again before allowing it...`,
  )
  await context.sleep(REVOKE_SETTLE_MS)
  let flushed: string
  try {
    flushed = await context.flushAuthorizerCache()
  } catch (error) {
    const { name: kind, message } = error as Error
    throw new CommandError(
      `${name} is removed from the parameter, but flushing API Gateway's authorizer cache failed (${kind}: ${message}); until it is flushed, API Gateway may keep admitting it for its TTL. Run \`revoke ${name} --now\` again.`,
    )
  }
  io.err(`Flushed API Gateway's authorizer cache (${flushed}): ${name} is refused from now on.`)
}

/** `initial` -> `initial-20261203`; `initial-20261203` -> `initial-20270105`; `-2`, `-3`… when taken. */
export const successorName = (name: string, tokens: TokenMap, today: Date): string => {
  const base = name.replace(/-\d{8}(?:-\d+)?$/, '') || name
  const stamp = today.toISOString().slice(0, 10).replaceAll('-', '')
  const candidate = `${base}-${stamp}`.slice(0, 64)
  let unique = candidate
  for (let n = 2; tokens.has(unique) || unique === name; n++) unique = `${candidate}-${n}`
  return unique
}

export const rotate = async (context: CommandContext, name: string, options: { as?: string } = {}) => {
  const { store, io } = context
  const current = await store.read()
  if (!current.tokens.has(name)) {
    throw new CommandError(
      `there is no token named ${name} in ${store.parameterName}; \`list\` shows the names`,
    )
  }
  const successor = options.as ?? successorName(name, current.tokens, context.now())
  const version = await addToken(context, successor)
  const script = 'npm run tokens --'
  io.err(
    [
      `Added token ${successor} next to ${name} in ${store.parameterName} (version ${version}), ${context.description}.`,
      'It is printed above, once: store it now. Both tokens work until you revoke the old one.',
      '',
      'Next:',
      `  1. Wait until the authorizers know it: up to ${DEFAULT_TOKENS_CACHE_TTL_SECONDS} s with the default tokensCacheTtl`,
      '     (a client that tries it earlier can be refused, and API Gateway keeps that answer for its TTL).',
      `  2. Move the clients that use ${name} to ${successor}. Watch the API's access log group (…ApiAccessLogs…)`,
      `     until no request carries "principalId":"${name}".`,
      `  3. ${script} revoke ${name}          (add --now if it leaked: it then stops within seconds)`,
    ].join('\n'),
  )
}
