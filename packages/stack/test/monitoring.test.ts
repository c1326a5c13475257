// The alarms and the dashboard (packages/stack/src/monitoring): every alarm with its metric, in both cache shapes,
// the notification topic, the dashboard's order, the opt-out, and the options' checks. Synths skip bundling: the
// default stack's test bundles the real code.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { App, CfnElement, Duration, Stack } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import { Topic } from 'aws-cdk-lib/aws-sns'
import type { IConstruct } from 'constructs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCubewalkApp } from '../src/app.js'
import { CubewalkStack } from '../src/cubewalk-stack.js'
import { defaultThresholds, resolveMonitoringOptions } from '../src/monitoring/monitoring-options.js'
import { repoRoot } from '../src/paths.js'
import { resourcesOfType, type Synthesized, synthesize, type TemplateJson } from './support/synth.js'

const noBundling = { 'aws:cdk:bundling-stacks': [] }
let nodeBased: Synthesized
let serverless: Synthesized
let off: Synthesized

beforeAll(() => {
  nodeBased = synthesize({
    context: noBundling,
    stackProps: { monitoring: { alarmEmail: 'oncall@example.com' } },
  })
  serverless = synthesize({
    stackName: 'CubewalkServerless',
    context: noBundling,
    stackProps: {
      serverlessCache: true,
      serverlessMaxEcpuPerSecond: 5000,
      serverlessMaxDataStorageGb: 2,
      monitoring: {
        thresholds: { cacheEcpuPercentOfLimit: 50, apiLatencyP99: Duration.millis(1500) },
        evaluationPeriods: 4,
        datapointsToAlarm: 2,
      },
    },
  })
  // The context key the CDK CLI passes (-c monitoring=false).
  off = synthesize({ stackName: 'CubewalkQuiet', context: { ...noBundling, monitoring: 'false' } })
}, 120_000)

afterAll(() => {
  for (const synth of [nodeBased, serverless, off]) synth?.dispose()
})

const logicalId = (synth: Synthesized, construct: IConstruct): string => {
  const element = construct.node.defaultChild ?? construct
  if (!(element instanceof CfnElement))
    throw new Error(`${construct.node.path} has no CloudFormation element`)
  return synth.stack.getLogicalId(element)
}
const ref = (synth: Synthesized, construct: IConstruct): { Ref: string } => ({
  Ref: logicalId(synth, construct),
})

interface MetricView {
  readonly id?: string
  readonly namespace: string
  readonly metricName: string
  readonly dimensions: Record<string, unknown>
  readonly stat: string
  readonly period: number
}

interface AlarmView {
  readonly expression?: string
  readonly metrics: MetricView[]
  readonly threshold: number
  readonly comparison: string
  readonly evaluationPeriods: number
  readonly datapointsToAlarm: number
  readonly treatMissingData: string
}

interface RawMetric {
  Namespace: string
  MetricName: string
  Dimensions?: Array<{ Name: string; Value: unknown }>
}
const dimensionsOf = (metric: RawMetric): Record<string, unknown> =>
  Object.fromEntries((metric.Dimensions ?? []).map(({ Name, Value }) => [Name, Value]))

/** An alarm as one shape, whether CloudFormation has it as a single metric or as metric data queries. */
const viewOf = (properties: Record<string, unknown>): AlarmView => {
  const common = {
    threshold: properties.Threshold as number,
    comparison: properties.ComparisonOperator as string,
    evaluationPeriods: properties.EvaluationPeriods as number,
    datapointsToAlarm: properties.DatapointsToAlarm as number,
    treatMissingData: properties.TreatMissingData as string,
  }
  const queries = properties.Metrics as
    | Array<{
        Id: string
        Expression?: string
        ReturnData?: boolean
        MetricStat?: { Metric: RawMetric; Stat: string; Period: number }
      }>
    | undefined
  if (queries === undefined) {
    const metric = properties as unknown as RawMetric
    return {
      ...common,
      metrics: [
        {
          namespace: metric.Namespace,
          metricName: metric.MetricName,
          dimensions: dimensionsOf(metric),
          stat: (properties.Statistic ?? properties.ExtendedStatistic) as string,
          period: properties.Period as number,
        },
      ],
    }
  }
  const returned = queries.filter((query) => query.ReturnData !== false)
  expect(returned).toHaveLength(1)
  const expression = returned[0]?.Expression
  return {
    ...common,
    ...(expression === undefined ? {} : { expression }),
    metrics: queries.flatMap((query) =>
      query.MetricStat === undefined
        ? []
        : [
            {
              ...(expression === undefined ? {} : { id: query.Id }),
              namespace: query.MetricStat.Metric.Namespace,
              metricName: query.MetricStat.Metric.MetricName,
              dimensions: dimensionsOf(query.MetricStat.Metric),
              stat: query.MetricStat.Stat,
              period: query.MetricStat.Period,
            },
          ],
    ),
  }
}

const alarmsOf = (json: TemplateJson): Map<string, { id: string; properties: Record<string, unknown> }> =>
  new Map(
    resourcesOfType(json, 'AWS::CloudWatch::Alarm').map(([id, alarm]) => [
      alarm.Properties?.AlarmName as string,
      { id, properties: alarm.Properties ?? {} },
    ]),
  )

const perMinute = (
  namespace: string,
  metricName: string,
  dimensions: Record<string, unknown>,
  stat: string,
) => ({
  namespace,
  metricName,
  dimensions,
  stat,
  period: 60,
})

/** The alarms both cache shapes share: API, authorizer, blocks function. */
const requestPathAlarms = (
  synth: Synthesized,
  window: { evaluationPeriods: number; datapointsToAlarm: number },
  latencyMs: number,
): Record<string, AlarmView> => {
  const { stack } = synth
  const prefix = stack.stackName
  const api = { ApiName: `${prefix}-blocks`, Stage: ref(synth, stack.api.api.deploymentStage) }
  const blocks = { FunctionName: ref(synth, stack.blocks.function) }
  const common = { comparison: 'GreaterThanOrEqualToThreshold', ...window }
  const rate = (errorsId: string, metricName: string, threshold: number): AlarmView => ({
    ...common,
    expression: `IF(requests >= 10, 100 * FILL(${errorsId}, 0) / requests, 0)`,
    metrics: [
      { id: 'requests', ...perMinute('AWS/ApiGateway', 'Count', api, 'Sum') },
      { id: errorsId, ...perMinute('AWS/ApiGateway', metricName, api, 'Sum') },
    ],
    threshold,
    treatMissingData: 'notBreaching',
  })
  return {
    [`${prefix}-api-5xx-rate`]: rate('serverErrors', '5XXError', 1),
    [`${prefix}-api-4xx-surge`]: rate('clientErrors', '4XXError', 30),
    [`${prefix}-api-latency-p99`]: {
      ...common,
      metrics: [perMinute('AWS/ApiGateway', 'Latency', api, 'p99')],
      threshold: latencyMs,
      treatMissingData: 'notBreaching',
    },
    [`${prefix}-authorizer-failures`]: {
      ...common,
      metrics: [perMinute('Cubewalk', 'AuthorizerFailures', { ApiId: ref(synth, stack.api.api) }, 'Sum')],
      threshold: 1,
      treatMissingData: 'notBreaching',
    },
    [`${prefix}-blocks-errors`]: {
      ...common,
      metrics: [perMinute('AWS/Lambda', 'Errors', blocks, 'Sum')],
      threshold: 1,
      treatMissingData: 'notBreaching',
    },
    [`${prefix}-blocks-throttles`]: {
      ...common,
      metrics: [perMinute('AWS/Lambda', 'Throttles', blocks, 'Sum')],
      threshold: 1,
      treatMissingData: 'notBreaching',
    },
    // Written by the blocks function itself (EMF), on the dimension of the stack's own metrics.
    [`${prefix}-redis-unavailable`]: {
      ...common,
      metrics: [perMinute('Cubewalk', 'RedisUnavailable', { ApiId: ref(synth, stack.api.api) }, 'Sum')],
      threshold: 1,
      treatMissingData: 'notBreaching',
    },
    // 80 % of the function's 10 s timeout.
    [`${prefix}-blocks-duration-near-timeout`]: {
      ...common,
      metrics: [perMinute('AWS/Lambda', 'Duration', blocks, 'p99')],
      threshold: 8000,
      treatMissingData: 'notBreaching',
    },
  }
}

describe('alarms of the node-based stack', () => {
  const window = { evaluationPeriods: 5, datapointsToAlarm: 3 }
  const worstNode = (metricName: string, stat: string) => ({
    expression: 'MAX([node1, node2])',
    metrics: ['001', '002'].map((member, i) => ({
      id: `node${i + 1}`,
      ...perMinute('AWS/ElastiCache', metricName, { CacheClusterId: `cubewalk-cache-${member}` }, stat),
    })),
  })
  const expected = (): Record<string, AlarmView> => {
    const common = { comparison: 'GreaterThanOrEqualToThreshold', ...window }
    return {
      ...requestPathAlarms(nodeBased, window, 2000),
      'Cubewalk-cache-engine-cpu': {
        ...common,
        ...worstNode('EngineCPUUtilization', 'Maximum'),
        threshold: 80,
        treatMissingData: 'missing',
      },
      'Cubewalk-cache-memory': {
        ...common,
        ...worstNode('DatabaseMemoryUsagePercentage', 'Maximum'),
        threshold: 80,
        treatMissingData: 'missing',
      },
      'Cubewalk-cache-evictions': {
        ...common,
        ...worstNode('Evictions', 'Sum'),
        threshold: 1,
        evaluationPeriods: 1,
        datapointsToAlarm: 1,
        treatMissingData: 'notBreaching',
      },
      // 80 % of ElastiCache's maxclients, 65,000.
      'Cubewalk-cache-connections': {
        ...common,
        ...worstNode('CurrConnections', 'Maximum'),
        threshold: 52_000,
        treatMissingData: 'missing',
      },
      // No replica reporting lag at all is a replica missing: breaching.
      'Cubewalk-cache-replication-lag': {
        ...common,
        ...worstNode('ReplicationLag', 'Maximum'),
        threshold: 1,
        treatMissingData: 'breaching',
      },
    }
  }

  it('are exactly these, each on its metric, statistic, threshold, window and missing-data rule', () => {
    const alarms = alarmsOf(nodeBased.json)
    const want = expected()
    expect([...alarms.keys()].sort()).toEqual(Object.keys(want).sort())
    for (const [name, view] of Object.entries(want)) {
      const alarm = alarms.get(name)
      expect(alarm, name).toBeDefined()
      expect(viewOf(alarm?.properties ?? {}), name).toEqual(view)
    }
  })

  it('watch the member clusters ElastiCache names after the replication group', () => {
    expect(nodeBased.stack.cache.memberClusterIds).toEqual(['cubewalk-cache-001', 'cubewalk-cache-002'])
    nodeBased.template.hasResourceProperties('AWS::ElastiCache::ReplicationGroup', {
      ReplicationGroupId: 'cubewalk-cache',
      NumCacheClusters: 2,
    })
  })

  it('say what they mean and where the runbook is, and are created after the cache', () => {
    const cacheId = logicalId(nodeBased, nodeBased.stack.cache.node.findChild('ReplicationGroup'))
    for (const [name, { id, properties }] of alarmsOf(nodeBased.json)) {
      const suffix = name.slice('Cubewalk-'.length)
      expect(properties.AlarmDescription).toMatch(
        new RegExp(`Runbook: docs/deploy\\.md, section Alarms, ${suffix}\\.$`),
      )
      expect(nodeBased.json.Resources[id]?.DependsOn).toContain(cacheId)
    }
  })
})

describe('alarm notifications', () => {
  it('go, for ALARM and back to OK, to a topic with an e-mail subscription', () => {
    const [[topicId] = []] = resourcesOfType(nodeBased.json, 'AWS::SNS::Topic')
    expect(topicId).toBeDefined()
    nodeBased.template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'oncall@example.com',
      TopicArn: { Ref: topicId },
    })
    const alarms = alarmsOf(nodeBased.json)
    expect(alarms.size).toBe(13)
    for (const [name, { properties }] of alarms) {
      expect(properties.AlarmActions, name).toEqual([{ Ref: topicId }])
      expect(properties.OKActions, name).toEqual([{ Ref: topicId }])
    }
  })

  it('are encrypted with a rotated key, over TLS only, and CloudWatch may publish for these alarms only', () => {
    const [[keyId] = []] = resourcesOfType(nodeBased.json, 'AWS::KMS::Key')
    const [[topicId] = []] = resourcesOfType(nodeBased.json, 'AWS::SNS::Topic')
    nodeBased.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    })
    const onBehalfOfOurAlarms = {
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: {
        'aws:SourceArn': {
          'Fn::Join': ['', Match.arrayWith([':alarm:Cubewalk-*'])],
        },
      },
    }
    nodeBased.template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
            Condition: onBehalfOfOurAlarms,
          }),
        ]),
      },
    })
    nodeBased.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topicId },
            Condition: onBehalfOfOurAlarms,
          }),
        ]),
      },
    })
    // The grant's name pattern must cover every alarm, or their notifications would be refused.
    for (const name of alarmsOf(nodeBased.json).keys()) expect(name.startsWith('Cubewalk-')).toBe(true)
  })

  it('can go to an existing topic instead, and nowhere when neither is given', () => {
    // A team-wide topic from another stack of the app.
    const app = new App({ context: noBundling })
    const topic = new Topic(new Stack(app, 'Shared'), 'OnCall')
    const stack = new CubewalkStack(app, 'WithTopic', { monitoring: { alarmTopic: topic } })
    const template = Template.fromStack(stack)
    template.resourceCountIs('AWS::SNS::Topic', 0)
    template.resourceCountIs('AWS::KMS::Key', 0)
    const alarms = template.findResources('AWS::CloudWatch::Alarm')
    expect(Object.keys(alarms)).toHaveLength(13)
    const sharedTopic = { 'Fn::ImportValue': expect.stringMatching(/^Shared:ExportsOutputRefOnCall/) }
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([sharedTopic])
      expect(alarm.Properties.OKActions).toEqual([sharedTopic])
    }

    serverless.template.resourceCountIs('AWS::SNS::Topic', 0)
    for (const [name, { properties }] of alarmsOf(serverless.json)) {
      expect(properties.AlarmActions, name).toBeUndefined()
      expect(properties.OKActions, name).toBeUndefined()
    }
  })
})

describe('alarms of the serverless stack', () => {
  it('are exactly these, on the clusterId dimension and the cache limits, with the tuned options', () => {
    const window = { evaluationPeriods: 4, datapointsToAlarm: 2 }
    const common = { comparison: 'GreaterThanOrEqualToThreshold', ...window }
    const cache = { clusterId: 'cubewalkserverless-cache' }
    const want: Record<string, AlarmView> = {
      ...requestPathAlarms(serverless, window, 1500),
      'CubewalkServerless-cache-throttled-commands': {
        ...common,
        metrics: [perMinute('AWS/ElastiCache', 'ThrottledCmds', cache, 'Sum')],
        threshold: 1,
        treatMissingData: 'notBreaching',
      },
      // 50 % of 5000 ECPUs per second.
      'CubewalkServerless-cache-ecpu-near-limit': {
        ...common,
        expression: 'ecpu / PERIOD(ecpu)',
        metrics: [
          { id: 'ecpu', ...perMinute('AWS/ElastiCache', 'ElastiCacheProcessingUnits', cache, 'Sum') },
        ],
        threshold: 2500,
        treatMissingData: 'notBreaching',
      },
      // 80 % of 2 GB.
      'CubewalkServerless-cache-storage-near-limit': {
        ...common,
        metrics: [perMinute('AWS/ElastiCache', 'BytesUsedForCache', cache, 'Maximum')],
        threshold: 1.6e9,
        treatMissingData: 'missing',
      },
    }
    const alarms = alarmsOf(serverless.json)
    expect([...alarms.keys()].sort()).toEqual(Object.keys(want).sort())
    for (const [name, view] of Object.entries(want)) {
      expect(viewOf(alarms.get(name)?.properties ?? {}), name).toEqual(view)
    }
  })
})

describe('authorizer failures metric', () => {
  it('counts the access log entries of requests a failing authorizer made API Gateway answer 500', () => {
    for (const synth of [nodeBased, serverless]) {
      synth.template.hasResourceProperties('AWS::Logs::MetricFilter', {
        LogGroupName: ref(synth, synth.stack.api.accessLogs),
        FilterPattern:
          '{ ($.errorType = "AUTHORIZER_FAILURE") || ($.errorType = "AUTHORIZER_CONFIGURATION_ERROR") }',
        MetricTransformations: [
          {
            MetricNamespace: 'Cubewalk',
            MetricName: 'AuthorizerFailures',
            MetricValue: '1',
            Dimensions: [{ Key: 'ApiId', Value: '$.apiId' }],
          },
        ],
      })
    }
  })

  it('reads fields the access log really writes: the gateway response type and the API id', () => {
    const [[, stage] = []] = resourcesOfType(nodeBased.json, 'AWS::ApiGateway::Stage')
    const setting = stage?.Properties?.AccessLogSetting as { Format?: string } | undefined
    const format = JSON.parse(setting?.Format ?? '{}') as Record<string, string>
    expect(format.errorType).toBe('$context.error.responseType')
    expect(format.apiId).toBe('$context.apiId')
  })
})

interface Widget {
  type: string
  x: number
  y: number
  width: number
  properties: { markdown?: string; title?: string; alarms?: string[]; metrics?: unknown[][] }
}

/** The dashboard body with every CloudFormation token written out as `@Ref:Id@` or `@GetAtt:Id.Attr@`. */
const dashboardOf = (json: TemplateJson): Widget[] => {
  const [[, dashboard] = []] = resourcesOfType(json, 'AWS::CloudWatch::Dashboard')
  const body = dashboard?.Properties?.DashboardBody as { 'Fn::Join': [string, unknown[]] }
  const text = body['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part
      const token = part as { Ref?: string; 'Fn::GetAtt'?: [string, string] }
      if (token.Ref !== undefined) return `@Ref:${token.Ref}@`
      if (token['Fn::GetAtt'] !== undefined) return `@GetAtt:${token['Fn::GetAtt'].join('.')}@`
      throw new Error(`unexpected token ${JSON.stringify(part)}`)
    })
    .join('')
  const widgets = (JSON.parse(text) as { widgets: Widget[] }).widgets
  return [...widgets].sort((a, b) => a.y - b.y || a.x - b.x)
}

/** The dashboard cut at its text headers: each section's header, alarm ARNs and graphed metrics. */
const sectionsOf = (json: TemplateJson) => {
  const sections: Array<{ title: string; alarms: string[]; metrics: unknown[][]; graphs: string[] }> = []
  for (const widget of dashboardOf(json)) {
    if (widget.type === 'text') {
      sections.push({ title: widget.properties.markdown ?? '', alarms: [], metrics: [], graphs: [] })
      continue
    }
    const section = sections.at(-1)
    if (section === undefined) throw new Error('a widget before the first header')
    section.alarms.push(...(widget.properties.alarms ?? []))
    section.metrics.push(...(widget.properties.metrics ?? []))
    if (widget.type === 'metric') section.graphs.push(widget.properties.title ?? '')
  }
  return sections
}

describe('dashboard', () => {
  it('follows the request path top to bottom: API, authorizer, blocks function, cache', () => {
    for (const [synth, cacheTitle] of [
      [nodeBased, /^### ElastiCache \(Valkey\) replication group `cubewalk-cache`/],
      [serverless, /^### ElastiCache Serverless \(Valkey\) `cubewalkserverless-cache`/],
    ] as const) {
      const titles = sectionsOf(synth.json).map((section) => section.title)
      expect(titles).toHaveLength(4)
      expect(titles[0]).toMatch(/^### API Gateway: REST API `Cubewalk(Serverless)?-blocks`, stage `prod`/)
      expect(titles[1]).toBe('### TOKEN authorizer function')
      expect(titles[2]).toBe('### Blocks function')
      expect(titles[3]).toMatch(cacheTitle)
    }
  })

  it('shows each part with its own alarms and only its own metrics', () => {
    const { stack } = nodeBased
    const alarmIds = (names: string[]): string[] => {
      const alarms = alarmsOf(nodeBased.json)
      return names.map((name) => `@GetAtt:${alarms.get(`Cubewalk-${name}`)?.id}.Arn@`)
    }
    const [api, authorizer, blocks, cache] = sectionsOf(nodeBased.json)
    expect(api?.alarms).toEqual(alarmIds(['api-5xx-rate', 'api-4xx-surge', 'api-latency-p99']))
    expect(authorizer?.alarms).toEqual(alarmIds(['authorizer-failures']))
    expect(blocks?.alarms).toEqual(
      alarmIds(['blocks-errors', 'blocks-throttles', 'blocks-duration-near-timeout', 'redis-unavailable']),
    )
    expect(cache?.alarms).toEqual(
      alarmIds([
        'cache-engine-cpu',
        'cache-memory',
        'cache-evictions',
        'cache-connections',
        'cache-replication-lag',
      ]),
    )

    // A graphed metric is [namespace, name, dimension, value, ...] (or an expression object).
    const named = (metrics: unknown[][] | undefined): unknown[][] =>
      (metrics ?? []).filter((metric) => typeof metric[0] === 'string')
    expect(new Set(named(api?.metrics).map((metric) => metric[0]))).toEqual(new Set(['AWS/ApiGateway']))
    const authorizerFn = `@Ref:${logicalId(nodeBased, stack.authorizer.function)}@`
    const blocksFn = `@Ref:${logicalId(nodeBased, stack.blocks.function)}@`
    for (const metric of named(authorizer?.metrics)) {
      expect(metric[0] === 'Cubewalk' || metric.includes(authorizerFn), String(metric)).toBe(true)
      expect(metric).not.toContain(blocksFn)
    }
    const apiId = `@Ref:${logicalId(nodeBased, stack.api.api)}@`
    // The functions' own metrics (EMF) are told apart by name, on the API's dimension.
    const codeMetrics = (metrics: unknown[][] | undefined): unknown[][] =>
      named(metrics).filter((metric) => metric[0] === 'Cubewalk' && metric[1] !== 'AuthorizerFailures')
    for (const metric of named(blocks?.metrics)) {
      expect(
        metric.includes(blocksFn) || (metric[0] === 'Cubewalk' && metric.includes(apiId)),
        String(metric),
      ).toBe(true)
    }
    expect(codeMetrics(blocks?.metrics).map((metric) => metric[1])).toEqual([
      'RedisUnavailable',
      'RedisReconnects',
      'RedisCommandLatency',
      'RedisCommandLatency',
    ])
    const authorizerCode = codeMetrics(authorizer?.metrics)
    for (const metric of authorizerCode) expect(metric.slice(2, 4)).toEqual(['ApiId', apiId])
    expect(
      authorizerCode.map((metric) => [metric[1], metric[4] === 'Reason' ? metric[5] : undefined]),
    ).toEqual([
      ['TokenRefusals', 'UnknownToken'],
      ['TokenRefusals', 'MissingToken'],
      ['TokenRefusals', 'PatternMismatch'],
      ['TokensUnavailable', undefined],
    ])
    for (const metric of named(cache?.metrics)) expect(metric[0]).toBe('AWS/ElastiCache')
    expect(cache?.graphs).toEqual([
      'EngineCPUUtilization (%)',
      'DatabaseMemoryUsagePercentage (%)',
      'CurrConnections',
      'Evictions (per minute)',
      'ReplicationLag (s)',
    ])
  })

  it('is named after the stack and region, and its address is an output', () => {
    const [[dashboardId, dashboard] = []] = resourcesOfType(nodeBased.json, 'AWS::CloudWatch::Dashboard')
    expect(dashboard?.Properties?.DashboardName).toEqual({
      'Fn::Join': ['-', ['Cubewalk', { Ref: 'AWS::Region' }]],
    })
    expect(JSON.stringify(nodeBased.json.Outputs?.DashboardUrl?.Value)).toContain(
      `"#dashboards:name=",{"Ref":"${dashboardId}"}`,
    )
  })
})

const environmentOf = (synth: Synthesized, fn: IConstruct): Record<string, unknown> =>
  (
    synth.json.Resources[logicalId(synth, fn)]?.Properties?.Environment as {
      Variables?: Record<string, unknown>
    }
  )?.Variables ?? {}

describe('metrics from the functions', () => {
  it('both functions write them to the Cubewalk namespace with the API id, the dimension the alarms read', () => {
    for (const synth of [nodeBased, serverless]) {
      for (const fn of [synth.stack.blocks.function, synth.stack.authorizer.function]) {
        const variables = environmentOf(synth, fn)
        expect(variables).toMatchObject({
          METRICS_NAMESPACE: 'Cubewalk',
          METRICS_API_ID: ref(synth, synth.stack.api.api),
        })
      }
    }
  })
})

describe('the runbook', () => {
  it('has a row in docs/deploy.md for every alarm of either cache shape, and none for an alarm that does not exist', () => {
    const doc = readFileSync(join(repoRoot, 'docs/deploy.md'), 'utf8')
    const section = doc.slice(doc.indexOf('\n## Alarms\n'), doc.indexOf('\n### Runbook\n'))
    const documented = [...section.matchAll(/^\| `([a-z0-9-]+)`/gm)].map(([, name]) => name)
    const created = [
      ...[...alarmsOf(nodeBased.json).keys()].map((name) => name.slice('Cubewalk-'.length)),
      ...[...alarmsOf(serverless.json).keys()].map((name) => name.slice('CubewalkServerless-'.length)),
    ]
    expect(documented.sort()).toEqual([...new Set(created)].sort())
  })
})

describe('cdk-nag', () => {
  it('finds nothing in the monitoring of either stack, topic and key included', () => {
    for (const synth of [nodeBased, serverless, off]) {
      expect(synth.validationReport.pluginReports.flatMap((report) => report.violations)).toEqual([])
    }
  })
})

describe('opting out', () => {
  it('leaves no alarm, dashboard, metric filter, topic or dashboard output', () => {
    expect(off.stack.monitoring).toBeUndefined()
    for (const type of [
      'AWS::CloudWatch::Alarm',
      'AWS::CloudWatch::Dashboard',
      'AWS::Logs::MetricFilter',
      'AWS::SNS::Topic',
    ]) {
      off.template.resourceCountIs(type, 0)
    }
    expect(off.json.Outputs?.DashboardUrl).toBeUndefined()
    // Nor metrics from the functions: nothing would watch them.
    for (const fn of [off.stack.blocks.function, off.stack.authorizer.function]) {
      const variables = environmentOf(off, fn)
      expect(Object.keys(variables)).not.toContain('METRICS_NAMESPACE')
      expect(Object.keys(variables)).not.toContain('METRICS_API_ID')
    }
  })

  it('takes the CLI context keys monitoring and alarmEmail, and refuses what it cannot mean', () => {
    const withEmail = createCubewalkApp({
      context: { ...noBundling, alarmEmail: 'ops@example.com' },
    })
    Template.fromStack(withEmail.stack).hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    })
    expect(() => createCubewalkApp({ context: { ...noBundling, monitoring: 'no' } })).toThrow(
      "context monitoring must be true or false, got 'no'",
    )
    expect(() =>
      createCubewalkApp({ context: { ...noBundling, monitoring: 'false', alarmEmail: 'ops@example.com' } }),
    ).toThrow('context alarmEmail needs monitoring')
  })
})

describe('monitoring options', () => {
  it('default to the documented thresholds and a 3-of-5-minutes window', () => {
    expect(resolveMonitoringOptions()).toEqual({
      alarmEmail: undefined,
      alarmTopic: undefined,
      thresholds: defaultThresholds,
      evaluationPeriods: 5,
      datapointsToAlarm: 3,
      cacheMaxClients: 65_000,
    })
  })

  it('derive the connections alarm from cacheMaxClients', () => {
    const app = new App({ context: noBundling })
    const stack = new CubewalkStack(app, 'FewClients', {
      monitoring: { cacheMaxClients: 1000, thresholds: { cacheConnectionsPercentOfMax: 90 } },
    })
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'FewClients-cache-connections',
      Threshold: 900,
    })
  })

  it.each([
    [
      { thresholds: { apiServerErrorRatePercent: 0 } },
      'thresholds.apiServerErrorRatePercent must be a percentage above 0 and at most 100, got 0',
    ],
    [{ thresholds: { cacheMemoryPercent: 120 } }, 'thresholds.cacheMemoryPercent must be a percentage'],
    [
      { thresholds: { minRequestsPerMinute: 2.5 } },
      'thresholds.minRequestsPerMinute must be a whole number of at least 1',
    ],
    [
      { thresholds: { blocksErrorsPerMinute: -1 } },
      'thresholds.blocksErrorsPerMinute must be a number above 0',
    ],
    [{ thresholds: { apiLatencyP99: 2000 } }, 'thresholds.apiLatencyP99 must be a Duration above 0'],
    [{ thresholds: { apiLatency: Duration.seconds(1) } }, "unknown threshold 'apiLatency'"],
    [{ alarmMail: 'ops@example.com' }, "unknown option 'alarmMail'"],
    [{ evaluationPeriods: 0 }, 'evaluationPeriods must be a whole number of at least 1'],
    [
      { evaluationPeriods: 3, datapointsToAlarm: 4 },
      'datapointsToAlarm must be a whole number from 1 to evaluationPeriods (3)',
    ],
    [{ cacheMaxClients: 100_000 }, 'cacheMaxClients must be a whole number from 1 to 65000'],
    [{ alarmEmail: 'not an address' }, "alarmEmail is not an e-mail address: 'not an address'"],
  ])('refuse %j', (options, message) => {
    expect(() => resolveMonitoringOptions(options as never)).toThrow(`monitoring: ${message}`)
  })

  it('refuse an e-mail address and a topic together', () => {
    const topic = Topic.fromTopicArn(new Stack(new App(), 'S'), 'T', 'arn:aws:sns:eu-west-1:123456789012:t')
    expect(() => resolveMonitoringOptions({ alarmEmail: 'ops@example.com', alarmTopic: topic })).toThrow(
      'monitoring: give alarmEmail or alarmTopic, not both',
    )
  })

  it('are checked before the stack builds anything', () => {
    expect(
      () =>
        new CubewalkStack(new App({ context: noBundling }), 'Wrong', {
          monitoring: { thresholds: { cacheEvictionsPerMinute: 0 } },
        }),
    ).toThrow('monitoring: thresholds.cacheEvictionsPerMinute must be a number above 0')
  })
})
