// A mock identity for working on a handler without tokens (`--no-authorizer`, `--identity`): every method behind a
// Lambda authorizer is allowed without running it, and the integration gets the `requestContext.authorizer` a
// real authorizer allowing the request as this principal would give (context values stringified, as API Gateway
// does). Never the default: the runner only uses one when told, and the command line warns when it does.

import { readFileSync } from 'node:fs'
import { isRecord } from '../template/template-types.js'
import { stringifyContext } from './authorizer.js'

export interface MockIdentity {
  readonly principalId: string
  /** What the authorizer's `context` would hold: strings, numbers or booleans. */
  readonly context: Readonly<Record<string, string | number | boolean>>
}

/** The identity `--no-authorizer` uses when none is given. */
export const DEFAULT_MOCK_IDENTITY: MockIdentity = { principalId: 'local-user', context: {} }

export class MockIdentityError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MockIdentityError'
  }
}

/** Checks a parsed `{ "principalId": "...", "context": { ... } }`; `from` names where it came from, in errors. */
export function toMockIdentity(value: unknown, from: string): MockIdentity {
  if (!isRecord(value))
    throw new MockIdentityError(`${from} must be a JSON object: {"principalId": "...", "context": {...}}`)
  for (const key of Object.keys(value)) {
    if (key !== 'principalId' && key !== 'context')
      throw new MockIdentityError(`${from}: unknown key "${key}" (expected principalId and context)`)
  }
  const { principalId, context } = value
  if (typeof principalId !== 'string' || principalId === '')
    throw new MockIdentityError(`${from}: principalId must be a non-empty string`)
  if (context !== undefined && !isRecord(context))
    throw new MockIdentityError(`${from}: context must be an object`)
  const checked = Object.create(null) as Record<string, string | number | boolean>
  for (const [key, entry] of Object.entries(context ?? {})) {
    if (typeof entry !== 'string' && typeof entry !== 'number' && typeof entry !== 'boolean')
      throw new MockIdentityError(
        `${from}: context.${key} must be a string, number or boolean (API Gateway refuses anything else)`,
      )
    checked[key] = entry
  }
  return { principalId, context: checked }
}

/** `--identity '<json>'`. */
export function parseMockIdentity(json: string, from: string): MockIdentity {
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch (error) {
    throw new MockIdentityError(`${from} is not JSON: ${(error as Error).message}`)
  }
  return toMockIdentity(parsed, from)
}

/** `--identity-file <file>`. */
export function readMockIdentity(file: string): MockIdentity {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    throw new MockIdentityError(`cannot read --identity-file ${file}: ${(error as Error).message}`)
  }
  return parseMockIdentity(text, `--identity-file ${file}`)
}

/** What reaches the integration as `requestContext.authorizer`, built as LocalAuthorizer builds an allowed one. */
export function mockRequestContextAuthorizer(identity: MockIdentity): Record<string, unknown> {
  return { ...stringifyContext(identity.context), principalId: identity.principalId, integrationLatency: 0 }
}
