// Lambda authorizers as API Gateway runs them: identity source and validation regex checked before any
// invocation, the decision (policy, principalId, context) cached per identity for the TTL and re-evaluated
// against each request's method ARN, `Unauthorized` -> 401, any other failure -> 500.

import type { InvokeResult, LambdaPool } from '../lambda/lambda-pool.js'
import type { AuthorizerModel, LambdaPermissionModel } from '../template/api-model.js'
import { isRecord } from '../template/template-types.js'
import {
  arnMatches,
  evaluatePolicy,
  MalformedPolicyError,
  type ParsedPolicy,
  parsePolicy,
} from './execute-api-policy.js'
import type { GatewayResponseType } from './gateway-responses.js'
import { headerValue, type ParsedHeaders } from './proxy-event.js'

/** How the decision was reached, for the request log. */
export type AuthorizerSource = 'cache' | 'cold' | 'warm' | 'skipped'

export type AuthorizationResult =
  | {
      allowed: true
      /** What reaches the integration as `requestContext.authorizer`. */
      requestContextAuthorizer: Record<string, unknown>
      source: AuthorizerSource
    }
  | {
      allowed: false
      response: GatewayResponseType
      message: string | null
      source: AuthorizerSource
      /** Why, for the runner's log (never shown to the client). */
      reason: string
    }

interface CachedDecision {
  expiresAt: number
  /** `undefined` when the authorizer answered `Unauthorized`: that refusal is held like an admission. */
  policy: ParsedPolicy | undefined
  principalId: string
  context: Record<string, string | null>
}

export interface AuthorizationRequest {
  methodArn: string
  headers: ParsedHeaders
  query: Record<string, string> | null
  stageVariables: Record<string, string> | null
  /** Builds the REQUEST authorizer event lazily (TOKEN authorizers never need it). */
  requestEvent: () => Record<string, unknown>
}

export interface AuthorizerDeps {
  apiArn: string
  poolFor: (functionLogicalId: string) => LambdaPool | undefined
  functionName: (functionLogicalId: string) => string | undefined
  permissions: LambdaPermissionModel[]
  now?: () => number
  /** Longest a single cached identity list may grow; oldest entries go first. */
  maxEntries?: number
}

const EXPLICIT_DENY = 'User is not authorized to access this resource with an explicit deny'
const IMPLICIT_DENY = 'User is not authorized to access this resource'

/** `true` when an AWS::Lambda::Permission lets API Gateway invoke `functionName` from `sourceArn`. */
export function apiGatewayMayInvoke(
  permissions: LambdaPermissionModel[],
  functionName: string,
  sourceArn: string,
): boolean {
  return permissions.some(
    (p) =>
      p.principal === 'apigateway.amazonaws.com' &&
      p.functionName === functionName &&
      (p.sourceArn === undefined || arnMatches(p.sourceArn, sourceArn)),
  )
}

/** Authorizer context values reach the integration stringified; objects and arrays are a configuration error. */
export function stringifyContext(context: unknown): Record<string, string | null> {
  if (context === undefined || context === null) return {}
  if (!isRecord(context)) throw new MalformedPolicyError('context must be an object')
  const out = Object.create(null) as Record<string, string | null>
  for (const [key, value] of Object.entries(context)) {
    if (value === null) out[key] = null
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
      out[key] = String(value)
    else if (value !== undefined)
      throw new MalformedPolicyError(`context.${key} must be a string, number or boolean`)
  }
  return out
}

/** `method.request.header.x`, `method.request.querystring.x` or `stageVariables.x`; anything else reads nothing. */
function identityReader(source: string): (request: AuthorizationRequest) => string | undefined {
  const header = /^method\.request\.header\.(.+)$/i.exec(source)?.[1]
  if (header) return (request) => headerValue(request.headers, header)
  const query = /^method\.request\.querystring\.(.+)$/i.exec(source)?.[1]
  if (query) return (request) => request.query?.[query]
  const variable = /^stageVariables\.(.+)$/.exec(source)?.[1]
  if (variable) return (request) => request.stageVariables?.[variable]
  return () => undefined
}

export class LocalAuthorizer {
  private readonly cache = new Map<string, CachedDecision>()
  private readonly validation: RegExp | undefined
  private readonly now: () => number
  private readonly maxEntries: number
  /** One reader per identity source, parsed once. */
  private readonly sources: Array<(request: AuthorizationRequest) => string | undefined>
  readonly arn: string
  readonly model: AuthorizerModel
  private readonly deps: AuthorizerDeps

  constructor(model: AuthorizerModel, deps: AuthorizerDeps) {
    this.model = model
    this.deps = deps
    // Anchored on both ends: an unanchored expression then behaves the same under full-match and search.
    this.validation =
      model.validationExpression === undefined ? undefined : new RegExp(`^(?:${model.validationExpression})$`)
    this.now = deps.now ?? Date.now
    this.maxEntries = deps.maxEntries ?? 10_000
    this.arn = `${deps.apiArn}/authorizers/${model.id}`
    this.sources = model.identitySources.map(identityReader)
  }

  /** Forgets every cached decision (as a redeploy of the API does). */
  flush(): void {
    this.cache.clear()
  }

  private identity(request: AuthorizationRequest): string[] | undefined {
    const values: string[] = []
    for (const read of this.sources) {
      const value = read(request)
      if (value === undefined || value === '') return undefined
      values.push(value)
    }
    return values
  }

  async authorize(request: AuthorizationRequest): Promise<AuthorizationResult> {
    const model = this.model
    const identity = this.identity(request)
    const caching = model.ttlSeconds > 0
    if (model.type === 'TOKEN') {
      if (!identity || identity.length === 0) {
        return this.refuse('UNAUTHORIZED', 'Unauthorized', 'skipped', 'identity source missing or empty')
      }
      if (this.validation && !this.validation.test(identity[0] as string)) {
        return this.refuse(
          'UNAUTHORIZED',
          'Unauthorized',
          'skipped',
          'token fails the identity validation expression',
        )
      }
    } else if (model.type === 'REQUEST') {
      // Every identity source given must be present and non-empty, with caching on or off: API Gateway answers
      // 401 without calling the function otherwise. Only with no identity source at all (allowed when caching is
      // off) does every request reach the function.
      if (model.identitySources.length > 0 && !identity) {
        return this.refuse('UNAUTHORIZED', 'Unauthorized', 'skipped', 'identity source missing or empty')
      }
    } else {
      return this.refuse(
        'AUTHORIZER_CONFIGURATION_ERROR',
        null,
        'skipped',
        `${model.type} authorizers are not emulated`,
      )
    }

    const key = identity ? identity.join('\u0000') : ''
    if (caching) {
      const cached = this.cache.get(key)
      if (cached && cached.expiresAt > this.now()) return this.decide(cached, request.methodArn, 'cache', 0)
      if (cached) this.cache.delete(key)
    }

    const fnId = model.functionLogicalId
    const pool = fnId ? this.deps.poolFor(fnId) : undefined
    const fnName = fnId ? this.deps.functionName(fnId) : undefined
    if (!pool || !fnName) {
      return this.refuse(
        'AUTHORIZER_CONFIGURATION_ERROR',
        null,
        'skipped',
        'authorizer function is not available',
      )
    }
    if (!apiGatewayMayInvoke(this.deps.permissions, fnName, this.arn)) {
      return this.refuse(
        'AUTHORIZER_CONFIGURATION_ERROR',
        null,
        'skipped',
        `no AWS::Lambda::Permission lets apigateway.amazonaws.com invoke ${fnName} from ${this.arn}`,
      )
    }

    const event =
      model.type === 'TOKEN'
        ? { type: 'TOKEN', methodArn: request.methodArn, authorizationToken: identity?.[0] }
        : { type: 'REQUEST', methodArn: request.methodArn, ...request.requestEvent() }
    const started = performance.now()
    let result: InvokeResult
    try {
      result = await pool.invoke(JSON.stringify(event))
    } catch (error) {
      return this.refuse('AUTHORIZER_CONFIGURATION_ERROR', null, 'skipped', (error as Error).message)
    }
    const source: AuthorizerSource = result.cold ? 'cold' : 'warm'
    const latencyMs = Math.round(performance.now() - started)
    const outcome = result.outcome
    if (outcome.kind === 'error') {
      if (outcome.error.errorMessage === 'Unauthorized') {
        if (caching) this.remember(key, { expiresAt: 0, policy: undefined, principalId: '', context: {} })
        return this.refuse('UNAUTHORIZED', 'Unauthorized', source, 'authorizer answered Unauthorized')
      }
      return this.refuse(
        'AUTHORIZER_CONFIGURATION_ERROR',
        null,
        source,
        `authorizer failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`,
      )
    }
    if (outcome.kind !== 'payload') {
      return this.refuse(
        'AUTHORIZER_CONFIGURATION_ERROR',
        null,
        source,
        'authorizer invoked as a proxy integration',
      )
    }
    let decision: CachedDecision
    try {
      const answer: unknown = JSON.parse(outcome.payload)
      if (!isRecord(answer)) throw new MalformedPolicyError('the authorizer must return an object')
      if (answer.principalId === undefined || answer.principalId === null || answer.principalId === '') {
        throw new MalformedPolicyError('principalId is missing')
      }
      decision = {
        expiresAt: 0,
        policy: parsePolicy(answer.policyDocument),
        principalId: String(answer.principalId),
        context: stringifyContext(answer.context),
      }
    } catch (error) {
      return this.refuse(
        'AUTHORIZER_CONFIGURATION_ERROR',
        null,
        source,
        `authorizer returned a malformed response: ${(error as Error).message}`,
      )
    }
    if (caching) this.remember(key, decision)
    return this.decide(decision, request.methodArn, source, latencyMs)
  }

  private remember(key: string, decision: CachedDecision): void {
    decision.expiresAt = this.now() + this.model.ttlSeconds * 1000
    if (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next().value
      if (oldest !== undefined) this.cache.delete(oldest)
    }
    this.cache.set(key, decision)
  }

  private decide(
    decision: CachedDecision,
    methodArn: string,
    source: AuthorizerSource,
    latencyMs: number,
  ): AuthorizationResult {
    if (!decision.policy) return this.refuse('UNAUTHORIZED', 'Unauthorized', source, 'cached Unauthorized')
    const verdict = evaluatePolicy(decision.policy, methodArn)
    if (verdict === 'explicit-deny')
      return this.refuse('ACCESS_DENIED', EXPLICIT_DENY, source, 'policy denies')
    if (verdict === 'implicit-deny') {
      return this.refuse('ACCESS_DENIED', IMPLICIT_DENY, source, `policy does not allow ${methodArn}`)
    }
    return {
      allowed: true,
      source,
      requestContextAuthorizer: {
        ...decision.context,
        principalId: decision.principalId,
        integrationLatency: latencyMs,
      },
    }
  }

  private refuse(
    response: GatewayResponseType,
    message: string | null,
    source: AuthorizerSource,
    reason: string,
  ): AuthorizationResult {
    return { allowed: false, response, message, source, reason }
  }
}
