// Turns the synthesized template into what the local API Gateway serves: REST APIs with their stages,
// resource tree, methods, authorizers and gateway responses, and the Lambda functions they call.
// Nothing here is hand-kept: change the stack, synth, and the local API follows.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { IntrinsicResolver } from './intrinsics.js'
import { type CfnResource, isRecord, type StackArtifact } from './template-types.js'

export interface FunctionModel {
  logicalId: string
  name: string
  arn: string
  runtime: string
  /** Directory of the bundled asset (Lambda's task root). */
  codeDir: string | undefined
  handler: string
  timeoutSeconds: number
  memoryMb: number
  reservedConcurrency: number | undefined
  /** `Environment.Variables`, resolved. */
  environment: Record<string, string>
  logFormat: 'Text' | 'JSON'
  logGroup: string
  /** The construct path CDK records (`aws:cdk:path`, e.g. `MyStack/Orders/Resource`): which function this is. */
  cdkPath: string | undefined
}

export interface ProxyIntegration {
  type: 'AWS_PROXY'
  functionLogicalId: string
  timeoutMs: number
}

export interface MockIntegration {
  type: 'MOCK'
  statusCode: number
  /** Header name -> value; static `'...'` values already unquoted, other mapping expressions kept as-is. */
  headers: Record<string, string>
  body: string
  contentType: string | undefined
}

export interface UnsupportedIntegration {
  type: 'UNSUPPORTED'
  reason: string
}

export type IntegrationModel = ProxyIntegration | MockIntegration | UnsupportedIntegration

export interface MethodModel {
  logicalId: string
  httpMethod: string
  authorizationType: string
  authorizerLogicalId: string | undefined
  apiKeyRequired: boolean
  integration: IntegrationModel
}

export interface ResourceNode {
  id: string
  /** e.g. `/cubewalkblocks/{world}/chunks/{coords}` */
  path: string
  literal: Map<string, ResourceNode>
  param: { name: string; node: ResourceNode } | undefined
  greedy: { name: string; node: ResourceNode } | undefined
  methods: Map<string, MethodModel>
}

export interface AuthorizerModel {
  logicalId: string
  id: string
  name: string
  type: string
  /** Identity sources, e.g. `method.request.header.token`. */
  identitySources: string[]
  validationExpression: string | undefined
  ttlSeconds: number
  functionLogicalId: string | undefined
}

export interface GatewayResponseModel {
  type: string
  statusCode: number | undefined
  parameters: Record<string, string>
  templates: Record<string, string>
}

export interface StageModel {
  name: string
  deploymentId: string
  variables: Record<string, string> | null
}

export interface LambdaPermissionModel {
  logicalId: string
  functionName: string
  principal: string
  sourceArn: string | undefined
}

export interface RestApiModel {
  logicalId: string
  apiId: string
  name: string
  stages: StageModel[]
  root: ResourceNode
  authorizers: Map<string, AuthorizerModel>
  gatewayResponses: Map<string, GatewayResponseModel>
  binaryMediaTypes: string[]
  /** `MinimumCompressionSize`; when set (compression on), API Gateway decodes gzip/deflate request bodies. */
  minimumCompressionSize: number | undefined
}

export interface ApiModel {
  stackName: string
  apis: RestApiModel[]
  functions: Map<string, FunctionModel>
  permissions: LambdaPermissionModel[]
  /** Things the runner cannot emulate, printed at start. */
  warnings: string[]
}

const DEFAULT_INTEGRATION_TIMEOUT_MS = 29_000
const DEFAULT_AUTHORIZER_TTL_SECONDS = 300

function props(resource: CfnResource): Record<string, unknown> {
  return resource.Properties ?? {}
}

/** The logical id a `Ref`/`Fn::GetAtt` points at, without resolving it. */
function referencedLogicalId(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined
  if (typeof value.Ref === 'string') return value.Ref
  const getAtt = value['Fn::GetAtt']
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0]
  if (typeof getAtt === 'string') return getAtt.split('.')[0]
  return undefined
}

/** `arn:aws:lambda:region:acct:function:NAME[:qualifier]` -> NAME */
export function functionNameFromArn(arnOrName: string): string {
  const match = /:function:([^:/]+)/.exec(arnOrName)
  return match?.[1] ?? arnOrName
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (!isRecord(value)) return out
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue
    out[k] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v)
  }
  return out
}

function codeDirOf(
  resource: CfnResource,
  stack: StackArtifact,
  resolved: Record<string, unknown>,
): string | undefined {
  const assetPath = resource.Metadata?.['aws:asset:path']
  if (typeof assetPath === 'string') {
    const dir = join(stack.assemblyDir, assetPath)
    if (existsSync(dir)) return dir
  }
  const code = isRecord(resolved.Code) ? resolved.Code : {}
  if (typeof code.S3Key === 'string') {
    const hash = code.S3Key.replace(/\.zip$/, '')
    const dir = stack.fileAssets.get(hash)
    if (dir) return dir
  }
  return undefined
}

function buildFunction(
  logicalId: string,
  resource: CfnResource,
  stack: StackArtifact,
  resolver: IntrinsicResolver,
  warnings: string[],
): FunctionModel {
  const { Environment, ...rest } = props(resource)
  const p = resolver.resolve(rest) as Record<string, unknown>
  // Placeholders matter only where a function reads them: its environment.
  resolver.placeholders.clear()
  const env = resolver.resolve(Environment)
  for (const placeholder of resolver.placeholders) {
    warnings.push(
      `${logicalId}: environment uses ${placeholder}, which has no local value (a placeholder string is used)`,
    )
  }
  resolver.placeholders.clear()
  const environment = isRecord(env) ? stringMap(env.Variables) : {}
  const logging = isRecord(p.LoggingConfig) ? p.LoggingConfig : {}
  const name = resolver.physicalId(logicalId)
  return {
    logicalId,
    name,
    arn: String(resolver.attribute(logicalId, 'Arn')),
    runtime: typeof p.Runtime === 'string' ? p.Runtime : 'unknown',
    codeDir: codeDirOf(resource, stack, p),
    handler: typeof p.Handler === 'string' ? p.Handler : 'index.handler',
    timeoutSeconds: typeof p.Timeout === 'number' ? p.Timeout : 3,
    memoryMb: typeof p.MemorySize === 'number' ? p.MemorySize : 128,
    reservedConcurrency:
      typeof p.ReservedConcurrentExecutions === 'number' ? p.ReservedConcurrentExecutions : undefined,
    environment,
    logFormat: logging.LogFormat === 'JSON' ? 'JSON' : 'Text',
    logGroup: typeof logging.LogGroup === 'string' ? logging.LogGroup : `/aws/lambda/${name}`,
    cdkPath:
      typeof resource.Metadata?.['aws:cdk:path'] === 'string'
        ? resource.Metadata['aws:cdk:path']
        : stack.constructPaths.get(logicalId),
  }
}

function unquote(value: string): string | undefined {
  return value.length >= 2 && value.startsWith("'") && value.endsWith("'") ? value.slice(1, -1) : undefined
}

/** A MOCK integration (CDK's CORS preflight): the default integration response, static values only. */
function buildMock(integration: Record<string, unknown>): MockIntegration {
  const responses = Array.isArray(integration.IntegrationResponses) ? integration.IntegrationResponses : []
  const chosen =
    responses.find((r) => isRecord(r) && (r.SelectionPattern === undefined || r.SelectionPattern === '')) ??
    responses[0]
  const response = isRecord(chosen) ? chosen : {}
  const headers: Record<string, string> = {}
  for (const [key, value] of Object.entries(stringMap(response.ResponseParameters))) {
    const header = key.replace(/^method\.response\.header\./, '')
    headers[header] = unquote(value) ?? value
  }
  const templates = stringMap(response.ResponseTemplates)
  const contentType =
    templates['application/json'] !== undefined ? 'application/json' : Object.keys(templates)[0]
  return {
    type: 'MOCK',
    statusCode: Number(response.StatusCode ?? 200),
    headers,
    body: contentType ? (templates[contentType] ?? '') : '',
    contentType,
  }
}

export function buildApiModel(stack: StackArtifact, resolver: IntrinsicResolver): ApiModel {
  const resources = stack.template.Resources
  const active = Object.entries(resources).filter(
    ([, r]) => r.Condition === undefined || resolver.condition(r.Condition),
  )
  const ofType = (type: string) => active.filter(([, r]) => r.Type === type)
  const warnings: string[] = []

  const functions = new Map<string, FunctionModel>()
  const functionsByName = new Map<string, string>()
  for (const [logicalId, resource] of ofType('AWS::Lambda::Function')) {
    try {
      const fn = buildFunction(logicalId, resource, stack, resolver, warnings)
      functions.set(logicalId, fn)
      functionsByName.set(fn.name, logicalId)
    } catch (error) {
      warnings.push(`function ${logicalId} cannot be served: ${(error as Error).message}`)
    }
  }
  const functionFromUri = (uri: string): string | undefined => {
    const arn = /functions\/(.+?)\/invocations/.exec(uri)?.[1] ?? uri
    return functionsByName.get(functionNameFromArn(arn))
  }

  const permissions: LambdaPermissionModel[] = ofType('AWS::Lambda::Permission').map(
    ([logicalId, resource]) => {
      const p = resolver.resolve(props(resource)) as Record<string, unknown>
      return {
        logicalId,
        functionName: functionNameFromArn(String(p.FunctionName)),
        principal: String(p.Principal),
        sourceArn: typeof p.SourceArn === 'string' ? p.SourceArn : undefined,
      }
    },
  )

  const apis: RestApiModel[] = []
  for (const [apiLogicalId, apiResource] of ofType('AWS::ApiGateway::RestApi')) {
    const apiProps = resolver.resolve(props(apiResource)) as Record<string, unknown>
    if (apiProps.Body !== undefined || apiProps.BodyS3Location !== undefined) {
      warnings.push(
        `RestApi ${apiLogicalId} is defined by an OpenAPI body; only its CloudFormation resources are served`,
      )
    }
    const belongs = (resource: CfnResource) => referencedLogicalId(props(resource).RestApiId) === apiLogicalId
    const rootId = String(resolver.attribute(apiLogicalId, 'RootResourceId'))
    const root: ResourceNode = {
      id: rootId,
      path: '/',
      literal: new Map(),
      param: undefined,
      greedy: undefined,
      methods: new Map(),
    }

    // Resources may be declared in any order: attach each to its parent once the parent exists.
    const nodes = new Map<string, ResourceNode>([[rootId, root]])
    const pending = ofType('AWS::ApiGateway::Resource').filter(([, r]) => belongs(r))
    let progressed = true
    while (pending.length > 0 && progressed) {
      progressed = false
      for (let i = pending.length - 1; i >= 0; i--) {
        const [logicalId, resource] = pending[i] as [string, CfnResource]
        const parentId = resolver.resolveString(props(resource).ParentId, `${logicalId}.ParentId`)
        const parent = nodes.get(parentId)
        if (!parent) continue
        const part = resolver.resolveString(props(resource).PathPart, `${logicalId}.PathPart`)
        const id = resolver.physicalId(logicalId)
        const node: ResourceNode = {
          id,
          path: parent.path === '/' ? `/${part}` : `${parent.path}/${part}`,
          literal: new Map(),
          param: undefined,
          greedy: undefined,
          methods: new Map(),
        }
        const greedy = /^\{(.+)\+\}$/.exec(part)
        const param = /^\{(.+)\}$/.exec(part)
        if (greedy) parent.greedy = { name: greedy[1] as string, node }
        else if (param) parent.param = { name: param[1] as string, node }
        else parent.literal.set(part, node)
        nodes.set(id, node)
        pending.splice(i, 1)
        progressed = true
      }
    }
    for (const [logicalId] of pending)
      warnings.push(`resource ${logicalId} has no reachable parent; not served`)

    const authorizers = new Map<string, AuthorizerModel>()
    for (const [logicalId, resource] of ofType('AWS::ApiGateway::Authorizer').filter(([, r]) => belongs(r))) {
      const p = resolver.resolve(props(resource)) as Record<string, unknown>
      const type = String(p.Type ?? 'TOKEN')
      const uri = typeof p.AuthorizerUri === 'string' ? p.AuthorizerUri : ''
      const functionLogicalId = functionFromUri(uri)
      if (type !== 'COGNITO_USER_POOLS' && !functionLogicalId) {
        warnings.push(
          `authorizer ${logicalId} calls ${uri || 'nothing'}, which is not a function of this stack`,
        )
      }
      if (type === 'COGNITO_USER_POOLS')
        warnings.push(`authorizer ${logicalId}: Cognito authorizers are not emulated`)
      authorizers.set(logicalId, {
        logicalId,
        id: resolver.physicalId(logicalId),
        name: typeof p.Name === 'string' ? p.Name : logicalId,
        type,
        identitySources: String(
          p.IdentitySource ?? (type === 'TOKEN' ? 'method.request.header.Authorization' : ''),
        )
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
        validationExpression:
          typeof p.IdentityValidationExpression === 'string' && p.IdentityValidationExpression !== ''
            ? p.IdentityValidationExpression
            : undefined,
        ttlSeconds:
          typeof p.AuthorizerResultTtlInSeconds === 'number'
            ? p.AuthorizerResultTtlInSeconds
            : DEFAULT_AUTHORIZER_TTL_SECONDS,
        functionLogicalId,
      })
    }

    for (const [logicalId, resource] of ofType('AWS::ApiGateway::Method').filter(([, r]) => belongs(r))) {
      const raw = props(resource)
      const resourceId = resolver.resolveString(raw.ResourceId, `${logicalId}.ResourceId`)
      const node = nodes.get(resourceId)
      if (!node) {
        warnings.push(`method ${logicalId} is on an unknown resource; not served`)
        continue
      }
      const p = resolver.resolve(raw) as Record<string, unknown>
      const integration = isRecord(p.Integration) ? p.Integration : {}
      const integrationType = String(integration.Type ?? '')
      let model: IntegrationModel
      if (integrationType === 'AWS_PROXY') {
        const fn = functionFromUri(String(integration.Uri ?? ''))
        model = fn
          ? {
              type: 'AWS_PROXY',
              functionLogicalId: fn,
              timeoutMs:
                typeof integration.TimeoutInMillis === 'number'
                  ? integration.TimeoutInMillis
                  : DEFAULT_INTEGRATION_TIMEOUT_MS,
            }
          : {
              type: 'UNSUPPORTED',
              reason: `proxy integration to ${String(integration.Uri)} (not in this stack)`,
            }
      } else if (integrationType === 'MOCK') {
        model = buildMock(integration)
      } else {
        model = { type: 'UNSUPPORTED', reason: `${integrationType || 'missing'} integration` }
      }
      if (model.type === 'UNSUPPORTED')
        warnings.push(`method ${logicalId} (${node.path}): ${model.reason} is not emulated`)
      const httpMethod = String(p.HttpMethod).toUpperCase()
      node.methods.set(httpMethod, {
        logicalId,
        httpMethod,
        authorizationType: String(p.AuthorizationType ?? 'NONE'),
        authorizerLogicalId: referencedLogicalId(raw.AuthorizerId),
        apiKeyRequired: p.ApiKeyRequired === true,
        integration: model,
      })
    }

    const gatewayResponses = new Map<string, GatewayResponseModel>()
    for (const [, resource] of ofType('AWS::ApiGateway::GatewayResponse').filter(([, r]) => belongs(r))) {
      const p = resolver.resolve(props(resource)) as Record<string, unknown>
      const type = String(p.ResponseType)
      gatewayResponses.set(type, {
        type,
        statusCode: p.StatusCode === undefined ? undefined : Number(p.StatusCode),
        parameters: stringMap(p.ResponseParameters),
        templates: stringMap(p.ResponseTemplates),
      })
    }

    const stages: StageModel[] = []
    for (const [logicalId, resource] of ofType('AWS::ApiGateway::Stage').filter(([, r]) => belongs(r))) {
      const p = resolver.resolve(props(resource)) as Record<string, unknown>
      const variables = stringMap(p.Variables)
      stages.push({
        name: String(p.StageName ?? logicalId),
        deploymentId: typeof p.DeploymentId === 'string' ? p.DeploymentId : resolver.physicalId(logicalId),
        variables: Object.keys(variables).length > 0 ? variables : null,
      })
    }
    for (const [logicalId, resource] of ofType('AWS::ApiGateway::Deployment').filter(([, r]) => belongs(r))) {
      const p = resolver.resolve(props(resource)) as Record<string, unknown>
      if (typeof p.StageName === 'string' && !stages.some((s) => s.name === p.StageName)) {
        stages.push({ name: p.StageName, deploymentId: resolver.physicalId(logicalId), variables: null })
      }
    }
    if (stages.length === 0) warnings.push(`RestApi ${apiLogicalId} has no stage; nothing of it is served`)

    apis.push({
      logicalId: apiLogicalId,
      apiId: resolver.physicalId(apiLogicalId),
      name: typeof apiProps.Name === 'string' ? apiProps.Name : apiLogicalId,
      stages,
      root,
      authorizers,
      gatewayResponses,
      binaryMediaTypes: Array.isArray(apiProps.BinaryMediaTypes) ? apiProps.BinaryMediaTypes.map(String) : [],
      minimumCompressionSize:
        apiProps.MinimumCompressionSize === undefined ? undefined : Number(apiProps.MinimumCompressionSize),
    })
  }

  return { stackName: stack.stackName, apis, functions, permissions, warnings }
}
