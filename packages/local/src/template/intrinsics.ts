// Resolves CloudFormation intrinsic functions against local stand-ins, the way CloudFormation would at
// deploy time: `Ref`, `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split`, `Fn::If` and friends.
// Physical ids are invented but stable and shaped like the real ones (function ARNs, apiId, stage name), so
// method ARNs, Lambda permission source ARNs and integration URIs can be compared the way AWS compares them.

import { localId } from './local-ids.js'
import { type CfnTemplate, isRecord, type LocalAwsIdentity } from './template-types.js'

/** `Ref: AWS::NoValue` removes the property or list element that holds it. */
const NO_VALUE = Symbol('AWS::NoValue')

/** Attribute values the runner substitutes, keyed `LogicalId.Attribute` or `AWS::Type.Attribute`. */
export type AttributeOverrides = Record<string, string | number | string[]>

export class UnresolvableError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UnresolvableError'
  }
}

export class IntrinsicResolver {
  /** Attribute references that fell back to a placeholder (e.g. an unknown resource attribute). */
  readonly placeholders = new Set<string>()

  private readonly template: CfnTemplate
  readonly stackName: string
  readonly identity: LocalAwsIdentity
  private readonly overrides: AttributeOverrides

  constructor(
    template: CfnTemplate,
    stackName: string,
    identity: LocalAwsIdentity,
    overrides: AttributeOverrides = {},
  ) {
    this.template = template
    this.stackName = stackName
    this.identity = identity
    this.overrides = overrides
  }

  resolve(value: unknown): unknown {
    const out = this.walk(value)
    return out === NO_VALUE ? undefined : out
  }

  resolveString(value: unknown, what: string): string {
    const out = this.resolve(value)
    if (typeof out === 'string') return out
    if (typeof out === 'number' || typeof out === 'boolean') return String(out)
    throw new UnresolvableError(`${what} did not resolve to a string: ${JSON.stringify(out)}`)
  }

  /** The physical id `Ref` gives for a resource of the template. */
  physicalId(logicalId: string): string {
    const resource = this.template.Resources[logicalId]
    if (!resource) throw new UnresolvableError(`Ref to unknown resource or parameter "${logicalId}"`)
    const props = resource.Properties ?? {}
    const named = (key: string): string | undefined => {
      const v = props[key] === undefined ? undefined : this.resolve(props[key])
      return typeof v === 'string' ? v : undefined
    }
    const { region, accountId, partition } = this.identity
    switch (resource.Type) {
      case 'AWS::Lambda::Function':
        return named('FunctionName') ?? this.generatedName(logicalId, 64)
      case 'AWS::Lambda::Alias': {
        const fn = this.functionNameOf(props.FunctionName)
        return `arn:${partition}:lambda:${region}:${accountId}:function:${fn}:${named('Name') ?? logicalId}`
      }
      case 'AWS::Lambda::Version': {
        const fn = this.functionNameOf(props.FunctionName)
        return `arn:${partition}:lambda:${region}:${accountId}:function:${fn}:1`
      }
      case 'AWS::SSM::Parameter':
        return named('Name') ?? `CFN-${logicalId}-${localId(logicalId, 12)}`
      case 'AWS::ApiGateway::RestApi':
        return localId(`${this.stackName}/${logicalId}`, 10)
      case 'AWS::ApiGateway::Stage':
        return named('StageName') ?? logicalId
      case 'AWS::ApiGateway::Resource':
      case 'AWS::ApiGateway::Authorizer':
      case 'AWS::ApiGateway::Deployment':
        return localId(`${this.stackName}/${logicalId}`, 6)
      case 'AWS::IAM::Role':
        return named('RoleName') ?? this.generatedName(logicalId, 64)
      case 'AWS::Logs::LogGroup':
        return named('LogGroupName') ?? this.generatedName(logicalId, 512)
      case 'AWS::ElastiCache::ReplicationGroup':
        return named('ReplicationGroupId') ?? logicalId.toLowerCase().slice(0, 40)
      case 'AWS::ElastiCache::ServerlessCache':
        return named('ServerlessCacheName') ?? logicalId.toLowerCase().slice(0, 40)
      case 'AWS::SecretsManager::Secret':
        return `arn:${partition}:secretsmanager:${region}:${accountId}:secret:${named('Name') ?? logicalId}-${localId(logicalId, 6)}`
      default:
        return `${logicalId}-${localId(logicalId, 8)}`
    }
  }

  /** The value `Fn::GetAtt` gives; overrides first, then the attributes whose shape AWS documents. */
  attribute(logicalId: string, attribute: string): unknown {
    const resource = this.template.Resources[logicalId]
    if (!resource) throw new UnresolvableError(`Fn::GetAtt on unknown resource "${logicalId}"`)
    const override =
      this.overrides[`${logicalId}.${attribute}`] ?? this.overrides[`${resource.Type}.${attribute}`]
    if (override !== undefined) return override
    const { region, accountId, partition } = this.identity
    const id = this.physicalId(logicalId)
    switch (`${resource.Type}.${attribute}`) {
      case 'AWS::Lambda::Function.Arn':
        return `arn:${partition}:lambda:${region}:${accountId}:function:${id}`
      case 'AWS::ApiGateway::RestApi.RootResourceId':
        return localId(`${this.stackName}/${logicalId}/root`, 6)
      case 'AWS::IAM::Role.Arn':
        return `arn:${partition}:iam::${accountId}:role/${id}`
      case 'AWS::SSM::Parameter.Type':
        return this.resolve(resource.Properties?.Type) ?? 'String'
      case 'AWS::SSM::Parameter.Value':
        return this.resolve(resource.Properties?.Value) ?? ''
      case 'AWS::Logs::LogGroup.Arn':
        return `arn:${partition}:logs:${region}:${accountId}:log-group:${id}:*`
      case 'AWS::SecretsManager::Secret.Id':
        return id
    }
    const placeholder = `${logicalId}.${attribute}`
    this.placeholders.add(placeholder)
    if (attribute === 'Arn' || attribute.endsWith('Arn')) {
      return `arn:${partition}:local:${region}:${accountId}:${placeholder}`
    }
    return placeholder
  }

  condition(name: string): boolean {
    const body = this.template.Conditions?.[name]
    if (body === undefined) throw new UnresolvableError(`unknown condition "${name}"`)
    return this.truthy(body)
  }

  private generatedName(logicalId: string, max: number): string {
    return `${this.stackName}-${logicalId}`.slice(0, max)
  }

  private functionNameOf(value: unknown): string {
    const resolved = this.resolveString(value, 'FunctionName')
    const match = /:function:([^:]+)/.exec(resolved)
    return match?.[1] ?? resolved
  }

  private truthy(body: unknown): boolean {
    const out = this.walk(body)
    if (typeof out === 'boolean') return out
    if (out === 'true' || out === 'false') return out === 'true'
    throw new UnresolvableError(`condition did not evaluate to a boolean: ${JSON.stringify(body)}`)
  }

  private ref(name: string): unknown {
    const { region, accountId, partition } = this.identity
    switch (name) {
      case 'AWS::Region':
        return region
      case 'AWS::AccountId':
        return accountId
      case 'AWS::Partition':
        return partition
      case 'AWS::URLSuffix':
        return 'amazonaws.com'
      case 'AWS::StackName':
        return this.stackName
      case 'AWS::StackId':
        return `arn:${partition}:cloudformation:${region}:${accountId}:stack/${this.stackName}/${localId(this.stackName, 8)}`
      case 'AWS::NoValue':
        return NO_VALUE
      case 'AWS::NotificationARNs':
        return []
    }
    const parameter = this.template.Parameters?.[name]
    if (parameter) {
      if (parameter.Default === undefined) {
        throw new UnresolvableError(
          `template parameter "${name}" has no default; the local runner cannot ask for it`,
        )
      }
      if (parameter.Type?.startsWith('AWS::SSM::Parameter::Value'))
        return `local-ssm:${String(parameter.Default)}`
      return parameter.Default
    }
    return this.physicalId(name)
  }

  private sub(text: string, variables: Record<string, unknown>): string {
    return text.replace(/\$\{([^}]*)\}/g, (_, expression: string) => {
      if (expression.startsWith('!')) return `\${${expression.slice(1)}}`
      if (expression in variables)
        return this.resolveString(variables[expression], `Fn::Sub \${${expression}}`)
      const dot = expression.indexOf('.')
      const value =
        dot > 0 && !expression.startsWith('AWS::')
          ? this.attribute(expression.slice(0, dot), expression.slice(dot + 1))
          : this.ref(expression)
      return String(value)
    })
  }

  private walk(value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map((v) => this.walk(v)).filter((v) => v !== NO_VALUE)
    }
    if (!isRecord(value)) return value
    const keys = Object.keys(value)
    if (keys.length === 1) {
      const key = keys[0] as string
      const arg = value[key]
      switch (key) {
        case 'Ref':
          return this.ref(String(arg))
        case 'Fn::GetAtt': {
          const [logicalId, ...rest] = Array.isArray(arg) ? arg.map(String) : String(arg).split('.')
          return this.attribute(String(logicalId), rest.join('.'))
        }
        case 'Fn::Join': {
          const [delimiter, list] = arg as [string, unknown]
          const items = this.walk(list)
          if (!Array.isArray(items)) throw new UnresolvableError('Fn::Join needs a list')
          return items.map(String).join(delimiter)
        }
        case 'Fn::Sub': {
          if (typeof arg === 'string') return this.sub(arg, {})
          const [text, variables] = arg as [string, Record<string, unknown>]
          return this.sub(text, variables ?? {})
        }
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown]
          const items = this.walk(list)
          if (!Array.isArray(items)) throw new UnresolvableError('Fn::Select needs a list')
          return items[Number(this.walk(index))]
        }
        case 'Fn::Split': {
          const [delimiter, text] = arg as [string, unknown]
          return String(this.walk(text)).split(delimiter)
        }
        case 'Fn::If': {
          const [name, whenTrue, whenFalse] = arg as [string, unknown, unknown]
          return this.walk(this.condition(name) ? whenTrue : whenFalse)
        }
        case 'Fn::Equals': {
          const [a, b] = arg as [unknown, unknown]
          return JSON.stringify(this.walk(a)) === JSON.stringify(this.walk(b))
        }
        case 'Fn::Not':
          return !this.truthy((arg as unknown[])[0])
        case 'Fn::And':
          return (arg as unknown[]).every((c) => this.truthy(c))
        case 'Fn::Or':
          return (arg as unknown[]).some((c) => this.truthy(c))
        case 'Condition':
          return this.condition(String(arg))
        case 'Fn::Base64':
          return Buffer.from(String(this.walk(arg))).toString('base64')
        case 'Fn::GetAZs': {
          const { region } = this.identity
          return [`${region}a`, `${region}b`, `${region}c`]
        }
        case 'Fn::FindInMap': {
          const [map, top, second] = (arg as unknown[]).map((v) => String(this.walk(v)))
          const found = this.template.Mappings?.[map as string]?.[top as string]?.[second as string]
          if (found === undefined)
            throw new UnresolvableError(`Fn::FindInMap ${map}/${top}/${second} not found`)
          return this.walk(found)
        }
        case 'Fn::ImportValue':
          return `imported-${String(this.walk(arg))}`
        case 'Fn::ToJsonString':
          return JSON.stringify(this.walk(arg))
        case 'Fn::Length': {
          const items = this.walk(arg)
          return Array.isArray(items) ? items.length : 0
        }
      }
    }
    const out: Record<string, unknown> = {}
    for (const key of keys) {
      const v = this.walk(value[key])
      if (v !== NO_VALUE) out[key] = v
    }
    return out
  }
}
