// API Gateway's own answers as a stack customizes them (AWS::ApiGateway::GatewayResponse): which declaration
// applies, the status it sets, the response templates' $context / $stageVariables, and the header mappings
// (static values, request headers, query strings, path parameters, stage variables, context values).

import { describe, expect, it } from 'vitest'
import { type GatewayResponseContext, renderGatewayResponse } from '../src/gateway/gateway-responses.js'
import type { GatewayResponseModel } from '../src/template/api-model.js'

const ctx: GatewayResponseContext = {
  message: 'Unauthorized',
  context: { requestId: 'req-1', stage: 'prod', authorizer: { principalId: 'alice' }, nothing: null },
  requestHeaders: { Origin: 'https://game.example', 'X-Trace': 't-1' },
  queryString: { at: '3' },
  pathParameters: { world: 'w1' },
  stageVariables: { env: 'production' },
}

function declared(...models: GatewayResponseModel[]): Map<string, GatewayResponseModel> {
  return new Map(models.map((m) => [m.type, m]))
}

describe('renderGatewayResponse', () => {
  it("without a declaration, AWS's built-in response: status, JSON message and error type", () => {
    expect(renderGatewayResponse(new Map(), 'UNAUTHORIZED', ctx)).toEqual({
      status: 401,
      headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'UnauthorizedException' },
      body: '{"message":"Unauthorized"}',
    })
    // A null message renders as JSON null, not as the string "null".
    expect(renderGatewayResponse(new Map(), 'INTEGRATION_TIMEOUT', { ...ctx, message: null })).toEqual({
      status: 504,
      headers: { 'Content-Type': 'application/json' },
      body: '{"message":null}',
    })
  })

  it('DEFAULT_4XX / DEFAULT_5XX apply to the types of their family the stack does not declare', () => {
    const responses = declared(
      {
        type: 'DEFAULT_4XX',
        statusCode: undefined,
        parameters: {},
        templates: { 'application/json': '{"e":4}' },
      },
      {
        type: 'DEFAULT_5XX',
        statusCode: undefined,
        parameters: {},
        templates: { 'application/json': '{"e":5}' },
      },
      { type: 'ACCESS_DENIED', statusCode: 404, parameters: {}, templates: {} },
    )
    expect(renderGatewayResponse(responses, 'UNAUTHORIZED', ctx)).toMatchObject({
      status: 401,
      body: '{"e":4}',
    })
    expect(renderGatewayResponse(responses, 'AUTHORIZER_FAILURE', ctx)).toMatchObject({
      status: 500,
      body: '{"e":5}',
    })
    // A 502 (a Lambda integration's failure) is a DEFAULT_5XX answered with that status.
    expect(renderGatewayResponse(responses, 'DEFAULT_5XX', ctx, 502)).toMatchObject({
      status: 502,
      body: '{"e":5}',
    })
    // A declaration with a status code and no template changes the status, keeps the built-in body.
    expect(renderGatewayResponse(responses, 'ACCESS_DENIED', ctx)).toEqual({
      status: 404,
      headers: { 'Content-Type': 'application/json', 'x-amzn-ErrorType': 'AccessDeniedException' },
      body: '{"Message":"Unauthorized"}',
    })
  })

  it('renders $context.x, its braced form, $stageVariables and $context.error in the template', () => {
    const template =
      // biome-ignore lint/suspicious/noTemplateCurlyInString: API Gateway template syntax, not a JS template
      '{"id":"$context.requestId","who":"${context.authorizer.principalId}","env":"$stageVariables.env",' +
      // biome-ignore lint/suspicious/noTemplateCurlyInString: API Gateway template syntax, not a JS template
      '"env2":"${stageVariables.env}","type":"$context.error.responseType","raw":"$context.error.message",' +
      '"none":"$context.nothing","missing":"$context.authorizer.tier","unknownStage":"$stageVariables.x"}'
    const rendered = renderGatewayResponse(
      declared({
        type: 'UNAUTHORIZED',
        statusCode: 401,
        parameters: {},
        templates: { 'application/json': template },
      }),
      'UNAUTHORIZED',
      ctx,
    )
    expect(JSON.parse(rendered.body)).toEqual({
      id: 'req-1',
      who: 'alice',
      env: 'production',
      env2: 'production',
      type: 'UNAUTHORIZED',
      raw: 'Unauthorized',
      none: '',
      missing: '',
      unknownStage: '',
    })
  })

  it('prefers the application/json template, else takes the first content type declared', () => {
    const xmlOnly = declared({
      type: 'UNAUTHORIZED',
      statusCode: undefined,
      parameters: {},
      templates: { 'application/xml': '<error>$context.error.message</error>', 'text/plain': 'no' },
    })
    expect(renderGatewayResponse(xmlOnly, 'UNAUTHORIZED', ctx)).toMatchObject({
      headers: { 'Content-Type': 'application/xml' },
      body: '<error>Unauthorized</error>',
    })
  })

  it('maps response headers from static values, the request, stage variables and the context', () => {
    const rendered = renderGatewayResponse(
      declared({
        type: 'DEFAULT_4XX',
        statusCode: undefined,
        templates: {},
        parameters: {
          'gatewayresponse.header.Access-Control-Allow-Origin': "'*'",
          // Request header names are matched case-insensitively, as HTTP header names are.
          'gatewayresponse.header.X-Origin': 'method.request.header.origin',
          'gatewayresponse.header.X-At': 'method.request.querystring.at',
          'gatewayresponse.header.X-World': 'method.request.path.world',
          'gatewayresponse.header.X-Env': 'stageVariables.env',
          'gatewayresponse.header.X-Principal': 'context.authorizer.principalId',
          // Values that are not there leave the header out rather than sending it empty.
          'gatewayresponse.header.X-Absent': 'method.request.header.x-absent',
          'gatewayresponse.header.X-Null': 'context.nothing',
          'gatewayresponse.header.X-Unknown': 'integration.response.header.x',
          'method.response.header.Ignored': "'not a gateway response header'",
        },
      }),
      'MISSING_AUTHENTICATION_TOKEN',
      ctx,
    )
    expect(rendered.status).toBe(403)
    expect(rendered.headers).toEqual({
      'Content-Type': 'application/json',
      'x-amzn-ErrorType': 'MissingAuthenticationTokenException',
      'Access-Control-Allow-Origin': '*',
      'X-Origin': 'https://game.example',
      'X-At': '3',
      'X-World': 'w1',
      'X-Env': 'production',
      'X-Principal': 'alice',
    })
  })
})
