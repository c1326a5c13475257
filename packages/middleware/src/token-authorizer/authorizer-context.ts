import { TokenAuthorizerConfigError } from './configuration-error.js'

/** API Gateway accepts only these as authorizer context values (no objects, arrays or null). */
export type AuthorizerContextValue = string | number | boolean

export type AuthorizerContext = Readonly<Record<string, AuthorizerContextValue>>

// `tokenName` is set by the middleware; `principalId` and `integrationLatency` are what API Gateway itself puts
// beside the context values in `requestContext.authorizer`, so a context key of that name would be shadowed.
const reservedKeys = new Set(['tokenName', 'principalId', 'integrationLatency'])

const isContextValue = (value: unknown): value is AuthorizerContextValue =>
  typeof value === 'string' ||
  typeof value === 'boolean' ||
  (typeof value === 'number' && Number.isFinite(value))

/**
 * Checks extra authorizer context values and returns a copy of them.
 *
 * @throws TokenAuthorizerConfigError on a non-object, a reserved key, or a value that is not a string, finite
 *   number or boolean.
 */
export const checkAuthorizerContext = (
  value: unknown,
  source: string,
): Record<string, AuthorizerContextValue> => {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TokenAuthorizerConfigError(`${source} must be an object of string, number or boolean values`)
  }
  const checked: Record<string, AuthorizerContextValue> = {}
  for (const [key, entry] of Object.entries(value)) {
    if (reservedKeys.has(key)) {
      throw new TokenAuthorizerConfigError(`${source} must not set '${key}': that name is reserved`)
    }
    if (!isContextValue(entry)) {
      throw new TokenAuthorizerConfigError(
        `${source}.${key} must be a string, finite number or boolean (API Gateway accepts nothing else)`,
      )
    }
    checked[key] = entry
  }
  return checked
}
