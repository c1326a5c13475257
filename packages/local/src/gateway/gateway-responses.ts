// API Gateway's own answers (401, 403, 5xx...): the stack's AWS::ApiGateway::GatewayResponse when the
// template declares one for the type (or for DEFAULT_4XX/DEFAULT_5XX), AWS's built-in response otherwise.

import type { GatewayResponseModel } from '../template/api-model.js'

export type GatewayResponseType =
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'AUTHORIZER_CONFIGURATION_ERROR'
  | 'AUTHORIZER_FAILURE'
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'INTEGRATION_TIMEOUT'
  | 'INTEGRATION_FAILURE'
  | 'API_CONFIGURATION_ERROR'
  | 'REQUEST_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INVALID_API_KEY'
  | 'DEFAULT_4XX'
  | 'DEFAULT_5XX'

interface BuiltIn {
  status: number
  errorType: string | undefined
  /** The template AWS uses when the stack declares nothing for the type. */
  template: string
}

const MESSAGE = '{"message":$context.error.messageString}'

const BUILT_IN: Record<GatewayResponseType, BuiltIn> = {
  UNAUTHORIZED: { status: 401, errorType: 'UnauthorizedException', template: MESSAGE },
  // The authorizer-policy denials answer with a capital `Message` when no gateway response is declared.
  ACCESS_DENIED: {
    status: 403,
    errorType: 'AccessDeniedException',
    template: '{"Message":$context.error.messageString}',
  },
  AUTHORIZER_CONFIGURATION_ERROR: {
    status: 500,
    errorType: 'AuthorizerConfigurationException',
    template: MESSAGE,
  },
  AUTHORIZER_FAILURE: { status: 500, errorType: 'AuthorizerFailureException', template: MESSAGE },
  MISSING_AUTHENTICATION_TOKEN: {
    status: 403,
    errorType: 'MissingAuthenticationTokenException',
    template: MESSAGE,
  },
  INTEGRATION_TIMEOUT: { status: 504, errorType: undefined, template: MESSAGE },
  INTEGRATION_FAILURE: { status: 504, errorType: undefined, template: MESSAGE },
  API_CONFIGURATION_ERROR: { status: 500, errorType: 'InternalServerErrorException', template: MESSAGE },
  REQUEST_TOO_LARGE: { status: 413, errorType: 'RequestTooLargeException', template: MESSAGE },
  // A request body that is not what its Content-Encoding says (the developer guide names no error type).
  UNSUPPORTED_MEDIA_TYPE: { status: 415, errorType: undefined, template: MESSAGE },
  INVALID_API_KEY: { status: 403, errorType: 'ForbiddenException', template: MESSAGE },
  DEFAULT_4XX: { status: 400, errorType: undefined, template: MESSAGE },
  DEFAULT_5XX: { status: 500, errorType: 'InternalServerErrorException', template: MESSAGE },
}

/** What `$context...` and `method.request...` expressions can read while rendering. */
export interface GatewayResponseContext {
  message: string | null
  /** `$context` values: requestId, stage, resourcePath, httpMethod, authorizer.*, identity.sourceIp... */
  context: Record<string, unknown>
  requestHeaders: Record<string, string>
  queryString: Record<string, string>
  pathParameters: Record<string, string>
  stageVariables: Record<string, string>
}

export interface RenderedResponse {
  status: number
  headers: Record<string, string>
  body: string
}

function lookup(root: Record<string, unknown>, path: string): unknown {
  let value: unknown = root
  for (const key of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

/** The `$context.*` / `$stageVariables.*` subset of VTL that gateway response templates use in practice. */
export function renderTemplate(template: string, ctx: GatewayResponseContext, responseType: string): string {
  const root: Record<string, unknown> = {
    ...ctx.context,
    error: {
      message: ctx.message ?? '',
      messageString: ctx.message === null ? 'null' : JSON.stringify(ctx.message),
      responseType,
      validationErrorString: '',
    },
  }
  const value = (path: string) => {
    const found = lookup(root, path)
    return found === undefined || found === null ? '' : String(found)
  }
  const stageVariable = (name: string) => ctx.stageVariables[name] ?? ''
  // `${context.x}` and `$context.x`; the braced form first so its closing brace is consumed with it.
  return template
    .replace(/\$\{context\.([A-Za-z0-9_.-]+)\}/g, (_, path: string) => value(path))
    .replace(/\$context\.([A-Za-z0-9_]+(?:\.[A-Za-z0-9_-]+)*)/g, (_, path: string) => value(path))
    .replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_, name: string) => stageVariable(name))
    .replace(/\$stageVariables\.([A-Za-z0-9_]+)/g, (_, name: string) => stageVariable(name))
}

/** A response header mapping value: `'static'`, `method.request.header.x`, `context.x`, `stageVariables.x`. */
function mapHeaderValue(expression: string, ctx: GatewayResponseContext): string | undefined {
  if (expression.length >= 2 && expression.startsWith("'") && expression.endsWith("'"))
    return expression.slice(1, -1)
  const lower = (record: Record<string, string>, key: string) => {
    const wanted = key.toLowerCase()
    for (const [k, v] of Object.entries(record)) if (k.toLowerCase() === wanted) return v
    return undefined
  }
  let match = /^method\.request\.header\.(.+)$/.exec(expression)
  if (match) return lower(ctx.requestHeaders, match[1] as string)
  match = /^method\.request\.(?:querystring)\.(.+)$/.exec(expression)
  if (match) return ctx.queryString[match[1] as string]
  match = /^method\.request\.path\.(.+)$/.exec(expression)
  if (match) return ctx.pathParameters[match[1] as string]
  match = /^stageVariables\.(.+)$/.exec(expression)
  if (match) return ctx.stageVariables[match[1] as string]
  match = /^context\.(.+)$/.exec(expression)
  if (match) {
    const value = lookup(ctx.context, match[1] as string)
    return value === undefined || value === null ? undefined : String(value)
  }
  return undefined
}

export function renderGatewayResponse(
  declared: Map<string, GatewayResponseModel>,
  type: GatewayResponseType,
  ctx: GatewayResponseContext,
  statusOverride?: number,
): RenderedResponse {
  const builtIn = BUILT_IN[type]
  const baseStatus = statusOverride ?? builtIn.status
  const family = baseStatus >= 500 ? 'DEFAULT_5XX' : 'DEFAULT_4XX'
  const model = declared.get(type) ?? declared.get(family)
  const status = model?.statusCode ?? baseStatus
  const headers: Record<string, string> = {}
  let contentType = 'application/json'
  let template = builtIn.template
  if (model && Object.keys(model.templates).length > 0) {
    contentType =
      model.templates['application/json'] !== undefined
        ? 'application/json'
        : (Object.keys(model.templates)[0] as string)
    template = model.templates[contentType] as string
  }
  headers['Content-Type'] = contentType
  if (builtIn.errorType) headers['x-amzn-ErrorType'] = builtIn.errorType
  for (const [key, expression] of Object.entries(model?.parameters ?? {})) {
    const header = /^gatewayresponse\.header\.(.+)$/.exec(key)?.[1]
    if (!header) continue
    const value = mapHeaderValue(expression, ctx)
    if (value !== undefined) headers[header] = value
  }
  return { status, headers, body: renderTemplate(template, ctx, type) }
}
