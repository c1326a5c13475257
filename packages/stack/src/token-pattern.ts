/**
 * The API Gateway identity validation expression for the `token` header. API Gateway refuses a token that does not
 * match with 401 before it invokes (and bills) the authorizer, so this is a cheap pre-filter, not the check itself.
 *
 * Anchored so that full-match and search semantics agree. It admits the characters of base64, base64url, hex and
 * UUID tokens — the stack's generated tokens are `cubewalk_` + 43 base64url characters — and at least 12 of them,
 * so the seed's `cubewalk-allow` passes and a short guess such as `arere` never reaches the authorizer.
 */
export const tokenValidationRegex = '^[A-Za-z0-9._~+/=-]{12,512}$'
