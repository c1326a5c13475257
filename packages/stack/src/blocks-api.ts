import { type Duration, RemovalPolicy, Stack } from 'aws-cdk-lib'
import {
  AccessLogFormat,
  Cors,
  EndpointType,
  IdentitySource,
  LambdaIntegration,
  LogGroupLogDestination,
  MethodLoggingLevel,
  ResponseType,
  RestApi,
  TokenAuthorizer,
} from 'aws-cdk-lib/aws-apigateway'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs'
import { Construct } from 'constructs'

export interface BlocksApiProps {
  readonly blocksFunction: IFunction
  readonly authorizerFunction: IFunction
  /** The identity validation expression for the `token` header (anchored). */
  readonly tokenValidationRegex: string
  /** How long API Gateway caches the authorizer's decision per token (0 = off, at most 1 hour). */
  readonly authorizerResultsCacheTtl: Duration
  /** Steady-state requests per second and burst, for the whole stage. */
  readonly throttlingRateLimit: number
  readonly throttlingBurstLimit: number
  /** Origins browsers may call from; `['*']` for any. */
  readonly corsAllowOrigins: readonly string[]
  readonly logRetention: RetentionDays
  /**
   * Create the account-wide role API Gateway uses to write logs (AWS::ApiGateway::Account). Needed once per account
   * and region for access and execution logs; turn off when the account already has one.
   */
  readonly cloudWatchRole: boolean
}

export const stageName = 'prod'
export const tokenHeader = 'token'
/** The request headers browsers may send (CORS), for preflight answers and gateway responses alike. */
export const corsAllowHeaders = ['Content-Type', tokenHeader, 'If-Match', 'If-None-Match']

/**
 * Every gateway response API Gateway can produce on the paths a client meets, so all of them answer
 * `{"message": "..."}` — the body the blocks function uses for its own errors — and carry CORS headers, without
 * which a browser cannot read an error at all.
 */
export const jsonGatewayResponses = [
  ResponseType.UNAUTHORIZED,
  ResponseType.ACCESS_DENIED,
  ResponseType.AUTHORIZER_FAILURE,
  ResponseType.AUTHORIZER_CONFIGURATION_ERROR,
  ResponseType.MISSING_AUTHENTICATION_TOKEN,
  ResponseType.THROTTLED,
  ResponseType.DEFAULT_4XX,
  ResponseType.DEFAULT_5XX,
] as const

/** `$context.error.messageString` is the message already quoted as a JSON string. */
export const gatewayResponseTemplate = '{"message":$context.error.messageString}'

/**
 * For a failing or misconfigured authorizer API Gateway leaves `$context.error.messageString` null, so the
 * generic template would answer `{"message":null}`; these say what API Gateway says for its other 5xx.
 */
export const authorizerFailureTemplate = '{"message":"Internal server error"}'
const literalTemplates: ReadonlyMap<ResponseType, string> = new Map([
  [ResponseType.AUTHORIZER_FAILURE, authorizerFailureTemplate],
  [ResponseType.AUTHORIZER_CONFIGURATION_ERROR, authorizerFailureTemplate],
])

// One JSON object per request. No header is logged, so neither is the token; the authorizer's principalId is the
// token's name, which shows who still uses an old token during a rotation. `apiId` and `errorType` feed the
// authorizer failures metric (monitoring/monitoring.ts).
const accessLogFields = {
  requestId: '$context.requestId',
  apiId: '$context.apiId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTimeEpoch',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  errorType: '$context.error.responseType',
  errorMessage: '$context.error.message',
  principalId: '$context.authorizer.principalId',
  authorizerStatus: '$context.authorizer.status',
  authorizerLatency: '$context.authorizer.latency',
  authorizerError: '$context.authorizer.error',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integration.latency',
  integrationError: '$context.integration.error',
}

/**
 * The REST API of the blocks table (stage `prod`), every method behind the TOKEN authorizer and proxied to the
 * blocks function. CDK's TokenAuthorizer grants API Gateway the right to invoke the authorizer function — the
 * permission whose absence made the seed answer 500.
 */
export class BlocksApi extends Construct {
  readonly api: RestApi
  readonly authorizer: TokenAuthorizer
  readonly accessLogs: LogGroup

  constructor(scope: Construct, id: string, props: BlocksApiProps) {
    super(scope, id)
    const stack = Stack.of(this)
    const allowOrigins = [...props.corsAllowOrigins]

    this.authorizer = new TokenAuthorizer(this, 'TokenAuthorizer', {
      handler: props.authorizerFunction,
      identitySource: IdentitySource.header(tokenHeader),
      validationRegex: props.tokenValidationRegex,
      resultsCacheTtl: props.authorizerResultsCacheTtl,
    })

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    })

    this.api = new RestApi(this, 'RestApi', {
      restApiName: `${stack.stackName}-blocks`,
      description: 'cubewalk blocks API: world chunks in Valkey behind a token',
      endpointTypes: [EndpointType.REGIONAL],
      cloudWatchRole: props.cloudWatchRole,
      deployOptions: {
        stageName,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.custom(JSON.stringify(accessLogFields)),
        throttlingRateLimit: props.throttlingRateLimit,
        throttlingBurstLimit: props.throttlingBurstLimit,
        // Errors only and never request data: data tracing would write the `token` header into the logs.
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        metricsEnabled: true,
      },
      defaultMethodOptions: { authorizer: this.authorizer },
      // Browsers send a preflight OPTIONS (without the token) before any request carrying a `token` header.
      defaultCorsPreflightOptions: {
        allowOrigins,
        allowMethods: ['GET', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
        allowHeaders: corsAllowHeaders,
        exposeHeaders: ['ETag'],
      },
    })
    // API Gateway creates the execution log group itself, without retention; owning it sets one and deletes it
    // with the stack.
    const executionLogs = new LogGroup(this, 'ExecutionLogs', {
      logGroupName: `API-Gateway-Execution-Logs_${this.api.restApiId}/${stageName}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    })
    this.api.deploymentStage.node.addDependency(executionLogs)

    // A gateway response cannot choose one of several origins per request. Its bodies are API Gateway's own generic
    // messages, so with several allowed origins `*` exposes nothing and keeps the errors readable from all of them.
    const [onlyOrigin] = allowOrigins.length === 1 ? allowOrigins : Cors.ALL_ORIGINS
    const corsHeaders: Record<string, string> = {
      'Access-Control-Allow-Origin': `'${onlyOrigin}'`,
      'Access-Control-Allow-Headers': `'${corsAllowHeaders.join(',')}'`,
    }
    for (const type of jsonGatewayResponses) {
      this.api.addGatewayResponse(`GatewayResponse${type.responseType}`, {
        type,
        responseHeaders: corsHeaders,
        templates: { 'application/json': literalTemplates.get(type) ?? gatewayResponseTemplate },
      })
    }

    // Each method's invoke permission is scoped to that method and the deployed stages (no console test-invoke).
    const integration = new LambdaIntegration(props.blocksFunction, { proxy: true, allowTestInvoke: false })
    const blocks = this.api.root.addResource('cubewalkblocks')
    blocks.addMethod('GET', integration)
    const chunks = blocks.addResource('{world}').addResource('chunks')
    chunks.addMethod('GET', integration)
    const chunk = chunks.addResource('{chunk}')
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) chunk.addMethod(method, integration)
  }

  /** `https://{api}.execute-api.{region}.amazonaws.com/prod/cubewalkblocks` */
  get blocksUrl(): string {
    return this.api.urlForPath('/cubewalkblocks')
  }
}
