// Evaluates the IAM policy a Lambda authorizer returns against one method ARN, as API Gateway does on every
// request (cached or not): an explicit Deny wins, then an Allow, otherwise the request is implicitly denied.

import { isRecord } from '../template/template-types.js'

export type PolicyDecision = 'allow' | 'explicit-deny' | 'implicit-deny'

export class MalformedPolicyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MalformedPolicyError'
  }
}

interface Statement {
  effect: 'allow' | 'deny'
  actions: string[]
  notActions: string[] | undefined
  resources: string[]
  notResources: string[] | undefined
}

const patternCache = new Map<string, RegExp>()

/** IAM wildcard match: `*` any run of characters (slashes included), `?` one character. */
export function arnMatches(pattern: string, value: string): boolean {
  let regex = patternCache.get(pattern)
  if (!regex) {
    const body = pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')
    regex = new RegExp(`^${body}$`, 's')
    if (patternCache.size > 1000) patternCache.clear()
    patternCache.set(pattern, regex)
  }
  return regex.test(value)
}

function list(value: unknown, what: string): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value
  throw new MalformedPolicyError(`${what} must be a string or a list of strings`)
}

/** Validates the policy's shape; throws {@link MalformedPolicyError} where API Gateway would fail with 500. */
export function parsePolicy(policyDocument: unknown): Statement[] {
  if (!isRecord(policyDocument)) throw new MalformedPolicyError('policyDocument must be an object')
  const raw = policyDocument.Statement
  const statements = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]
  if (statements.length === 0) throw new MalformedPolicyError('policyDocument has no Statement')
  return statements.map((s, i) => {
    if (!isRecord(s)) throw new MalformedPolicyError(`Statement[${i}] must be an object`)
    const effect = typeof s.Effect === 'string' ? s.Effect.toLowerCase() : ''
    if (effect !== 'allow' && effect !== 'deny') {
      throw new MalformedPolicyError(`Statement[${i}].Effect must be Allow or Deny`)
    }
    if (s.Action === undefined && s.NotAction === undefined) {
      throw new MalformedPolicyError(`Statement[${i}] has no Action`)
    }
    if (s.Resource === undefined && s.NotResource === undefined) {
      throw new MalformedPolicyError(`Statement[${i}] has no Resource`)
    }
    return {
      effect,
      actions: s.Action === undefined ? [] : list(s.Action, `Statement[${i}].Action`),
      notActions: s.NotAction === undefined ? undefined : list(s.NotAction, `Statement[${i}].NotAction`),
      resources: s.Resource === undefined ? [] : list(s.Resource, `Statement[${i}].Resource`),
      notResources:
        s.NotResource === undefined ? undefined : list(s.NotResource, `Statement[${i}].NotResource`),
    }
  })
}

const ACTION = 'execute-api:Invoke'

function actionMatches(patterns: string[]): boolean {
  return patterns.some((p) => arnMatches(p.toLowerCase(), ACTION.toLowerCase()))
}

function applies(statement: Statement, methodArn: string): boolean {
  const actionOk = statement.notActions
    ? !actionMatches(statement.notActions)
    : actionMatches(statement.actions)
  if (!actionOk) return false
  return statement.notResources
    ? !statement.notResources.some((p) => arnMatches(p, methodArn))
    : statement.resources.some((p) => arnMatches(p, methodArn))
}

export function evaluatePolicy(statements: Statement[], methodArn: string): PolicyDecision {
  let allowed = false
  for (const statement of statements) {
    if (!applies(statement, methodArn)) continue
    if (statement.effect === 'deny') return 'explicit-deny'
    allowed = true
  }
  return allowed ? 'allow' : 'implicit-deny'
}

export type ParsedPolicy = ReturnType<typeof parsePolicy>
