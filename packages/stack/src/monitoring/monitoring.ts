import { Aws, Duration, Fn } from 'aws-cdk-lib'
import type { Stage } from 'aws-cdk-lib/aws-apigateway'
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  type HorizontalAnnotation,
  type IMetric,
  type IWidget,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch'
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions'
import type { IFunction } from 'aws-cdk-lib/aws-lambda'
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs'
import type { ITopic } from 'aws-cdk-lib/aws-sns'
import { Construct } from 'constructs'
import type { Cache } from '../cache.js'
import { AlarmTopic } from './alarm-topic.js'
import type { ResolvedMonitoringOptions } from './monitoring-options.js'

export interface MonitoringProps {
  /** Prefix of every alarm name (the stack name): alarm names are unique per account and region. */
  readonly alarmNamePrefix: string
  /** The REST API's stage and the API's name and id, which its metrics and access log entries carry. */
  readonly stage: Stage
  readonly apiName: string
  readonly restApiId: string
  /** The stage's JSON access log, with `apiId` and `errorType` (`$context.error.responseType`) fields. */
  readonly accessLogs: ILogGroup
  readonly authorizerFunction: IFunction
  readonly blocksFunction: IFunction
  readonly blocksTimeout: Duration
  readonly cache: Cache
  /** The serverless cache's limits, which its near-the-limit alarms are measured against. */
  readonly serverlessMaxEcpuPerSecond: number
  readonly serverlessMaxDataStorageGb: number
  readonly options: ResolvedMonitoringOptions
}

/** The parts of the request path, in the order a request meets them: one dashboard row (or two) each. */
export type MonitoringSection = 'api' | 'authorizer' | 'blocks' | 'cache'

/**
 * The namespace of the metrics the stack derives itself (access log metric filters) and of those the functions write
 * as EMF lines (@cubewalk/middleware/metrics), all with the dimension `ApiId`.
 */
export const customMetricsNamespace = 'Cubewalk'

/** The `Reason` values of the authorizer's `TokenRefusals` metric (@cubewalk/middleware's TokenRefusalReason). */
const refusalReasons = ['UnknownToken', 'MissingToken', 'PatternMismatch'] as const

interface AlarmSpec {
  /** Appended to the prefix: the alarm's name, and its row in docs/deploy.md's alarm table. */
  readonly name: string
  readonly description: string
  readonly metric: IMetric
  readonly threshold: number
  readonly treatMissingData: TreatMissingData
  /** Default: the options' evaluation window. */
  readonly evaluationPeriods?: number
  readonly datapointsToAlarm?: number
}

interface Section {
  readonly title: string
  readonly alarms: Alarm[]
  readonly graphs: IWidget[]
}

const period = Duration.minutes(1)
const graphSize = { width: 6, height: 6 } as const
/** GB as ElastiCache's serverless usage limit counts them (10^9 bytes: the conservative reading, if it meant GiB). */
const bytesPerGb = 1e9

/**
 * Alarms on every part of the request path (API → authorizer → blocks function → cache) and one CloudWatch dashboard
 * that shows them in that order, each part's alarm states next to its graphs. Alarms notify an SNS topic when one is
 * given or an e-mail address asked for (docs/deploy.md, "Alarms", is the runbook).
 */
export class Monitoring extends Construct {
  readonly dashboard: Dashboard
  readonly alarms: Alarm[] = []
  /** Where alarms notify, if anywhere. */
  readonly topic?: ITopic
  private readonly action?: SnsAction
  private readonly sections: Record<MonitoringSection, Section>

  private readonly props: MonitoringProps

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id)
    this.props = props
    const { options, cache } = props
    this.topic =
      options.alarmTopic ??
      (options.alarmEmail === undefined
        ? undefined
        : new AlarmTopic(this, 'AlarmTopic', {
            email: options.alarmEmail,
            alarmNamePattern: `${props.alarmNamePrefix}-*`,
          }).topic)
    this.action = this.topic === undefined ? undefined : new SnsAction(this.topic)

    this.sections = {
      api: { title: `API Gateway: REST API \`${props.apiName}\`, stage \`prod\``, alarms: [], graphs: [] },
      authorizer: { title: 'TOKEN authorizer function', alarms: [], graphs: [] },
      blocks: { title: 'Blocks function', alarms: [], graphs: [] },
      cache: {
        title: cache.serverless
          ? `ElastiCache Serverless (Valkey) \`${cache.cacheId}\``
          : `ElastiCache (Valkey) replication group \`${cache.cacheId}\`: nodes ${cache.memberClusterIds.map((node) => `\`${node}\``).join(', ')}`,
        alarms: [],
        graphs: [],
      },
    }
    this.monitorApi()
    this.monitorAuthorizer()
    this.monitorBlocks()
    if (cache.serverless) this.monitorServerlessCache()
    else this.monitorNodeBasedCache()

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: Fn.join('-', [props.alarmNamePrefix, Aws.REGION]),
      defaultInterval: Duration.hours(3),
    })
    for (const section of Object.values(this.sections)) {
      this.dashboard.addWidgets(new TextWidget({ markdown: `### ${section.title}`, width: 24, height: 1 }))
      const status = new AlarmStatusWidget({ title: 'Alarms', alarms: section.alarms, ...graphSize })
      const [first = [], ...rest] = rows([status, ...section.graphs], 4)
      this.dashboard.addWidgets(...first)
      for (const row of rest) this.dashboard.addWidgets(...row)
    }
  }

  /** The console address of the dashboard. */
  get dashboardUrl(): string {
    return Fn.join('', [
      'https://',
      Aws.REGION,
      '.console.aws.amazon.com/cloudwatch/home?region=',
      Aws.REGION,
      '#dashboards:name=',
      this.dashboard.dashboardName,
    ])
  }

  private monitorApi(): void {
    const { stage, options } = this.props
    const { thresholds } = options
    const requests = stage.metricCount({ period, statistic: 'Sum', label: 'requests' })
    const serverErrors = stage.metricServerError({ period, label: '5XX' })
    const clientErrors = stage.metricClientError({ period, label: '4XX' })
    const latencyP99 = stage.metricLatency({ period, statistic: 'p99', label: 'Latency p99' })
    // A rate only means something with enough requests behind it: one 500 out of two requests at night is no outage.
    const ratePercent = (errorsId: string, errors: IMetric, label: string): MathExpression =>
      new MathExpression({
        expression: `IF(requests >= ${thresholds.minRequestsPerMinute}, 100 * FILL(${errorsId}, 0) / requests, 0)`,
        usingMetrics: { requests, [errorsId]: errors },
        period,
        label,
      })
    const serverErrorRate = ratePercent('serverErrors', serverErrors, '5XX % of requests')
    const clientErrorRate = ratePercent('clientErrors', clientErrors, '4XX % of requests')

    this.addAlarm('api', 'ServerErrorRate', {
      name: 'api-5xx-rate',
      description: `More than ${thresholds.apiServerErrorRatePercent} % of requests answered 5XX (Redis unavailable: 503, blocks function failing: 502, authorizer failing: 500).`,
      metric: serverErrorRate,
      threshold: thresholds.apiServerErrorRatePercent,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    })
    this.addAlarm('api', 'ClientErrorRate', {
      name: 'api-4xx-surge',
      description: `More than ${thresholds.apiClientErrorRatePercent} % of requests answered 4XX: refused tokens (an attack, a leaked, revoked or mistyped token), throttling (429) or a broken client.`,
      metric: clientErrorRate,
      threshold: thresholds.apiClientErrorRatePercent,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    })
    this.addAlarm('api', 'LatencyP99', {
      name: 'api-latency-p99',
      description: `p99 latency of the API above ${thresholds.apiLatencyP99.toMilliseconds()} ms.`,
      metric: latencyP99,
      threshold: thresholds.apiLatencyP99.toMilliseconds(),
      treatMissingData: TreatMissingData.NOT_BREACHING,
    })

    this.graph('api', 'Requests and errors (per minute)', [requests, clientErrors, serverErrors])
    this.graph(
      'api',
      'Error rates (%)',
      [serverErrorRate, clientErrorRate],
      [
        { value: thresholds.apiServerErrorRatePercent, label: '5XX alarm' },
        { value: thresholds.apiClientErrorRatePercent, label: '4XX alarm' },
      ],
    )
    this.graph(
      'api',
      'Latency (ms)',
      [
        stage.metricLatency({ period, statistic: 'p50', label: 'Latency p50' }),
        latencyP99,
        stage.metricIntegrationLatency({ period, statistic: 'p99', label: 'IntegrationLatency p99' }),
      ],
      [{ value: thresholds.apiLatencyP99.toMilliseconds(), label: 'alarm' }],
    )
  }

  private monitorAuthorizer(): void {
    const { authorizerFunction: fn, accessLogs, restApiId, options } = this.props
    // The authorizer's own Errors metric cannot tell a failure from a refusal: it refuses a token by throwing
    // `Unauthorized`, which Lambda counts as an error. What clients see is in the access log: API Gateway answers a
    // failing, timing out or throttled authorizer with AUTHORIZER_FAILURE or AUTHORIZER_CONFIGURATION_ERROR (500).
    const failuresFilter = new MetricFilter(this, 'AuthorizerFailures', {
      logGroup: accessLogs,
      filterPattern: FilterPattern.any(
        FilterPattern.stringValue('$.errorType', '=', 'AUTHORIZER_FAILURE'),
        FilterPattern.stringValue('$.errorType', '=', 'AUTHORIZER_CONFIGURATION_ERROR'),
      ),
      metricNamespace: customMetricsNamespace,
      metricName: 'AuthorizerFailures',
      metricValue: '1',
      dimensions: { ApiId: '$.apiId' },
    })
    const failures = failuresFilter.metric({
      period,
      statistic: 'Sum',
      dimensionsMap: { ApiId: restApiId },
      label: 'requests answered 500 by a failing authorizer',
    })
    const threshold = options.thresholds.authorizerFailuresPerMinute
    this.addAlarm('authorizer', 'Failures', {
      name: 'authorizer-failures',
      description: `At least ${threshold} request(s) a minute answered 500 because the authorizer failed (tokens parameter unreadable or malformed, function error, timeout, throttling).`,
      metric: failures,
      threshold,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    })

    this.graph(
      'authorizer',
      'Requests answered 500 by the authorizer',
      [failures],
      [{ value: threshold, label: 'alarm' }],
    )
    // Written by the function itself (EMF): what API Gateway's 401s do not say, why a token was refused.
    const code = (metricName: string, label: string, extra: Record<string, string> = {}): Metric =>
      new Metric({
        namespace: customMetricsNamespace,
        metricName,
        dimensionsMap: { ApiId: restApiId, ...extra },
        period,
        statistic: 'Sum',
        label,
      })
    this.graph('authorizer', 'Refused tokens by reason, unreadable token map (per minute)', [
      ...refusalReasons.map((reason) => code('TokenRefusals', reason, { Reason: reason })),
      code('TokensUnavailable', 'token map unavailable'),
    ])
    this.graph('authorizer', 'Invocations (per minute)', [
      fn.metricInvocations({ period, label: 'invocations' }),
      fn.metricErrors({ period, label: 'errors, including every refused token' }),
      fn.metricThrottles({ period, label: 'throttles' }),
    ])
    this.graph('authorizer', 'Duration (ms)', [
      fn.metricDuration({ period, statistic: 'p50', label: 'p50' }),
      fn.metricDuration({ period, statistic: 'p99', label: 'p99' }),
    ])
  }

  private monitorBlocks(): void {
    const { blocksFunction: fn, blocksTimeout, options, restApiId } = this.props
    const { thresholds } = options
    const errors = fn.metricErrors({ period, label: 'errors' })
    const throttles = fn.metricThrottles({ period, label: 'throttles' })
    const durationP99 = fn.metricDuration({ period, statistic: 'p99', label: 'p99' })
    const timeoutMs = blocksTimeout.toMilliseconds()
    const durationThreshold = Math.round((timeoutMs * thresholds.blocksDurationPercentOfTimeout) / 100)

    this.addAlarm('blocks', 'Errors', {
      name: 'blocks-errors',
      description: `At least ${thresholds.blocksErrorsPerMinute} failed invocation(s) of the blocks function a minute (clients get 502).`,
      metric: errors,
      threshold: thresholds.blocksErrorsPerMinute,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    })
    this.addAlarm('blocks', 'Throttles', {
      name: 'blocks-throttles',
      description: `At least ${thresholds.blocksThrottlesPerMinute} throttled invocation(s) of the blocks function a minute: the account's (or a reserved) concurrency limit is reached.`,
      metric: throttles,
      threshold: thresholds.blocksThrottlesPerMinute,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    })
    this.addAlarm('blocks', 'DurationNearTimeout', {
      name: 'blocks-duration-near-timeout',
      description: `p99 duration of the blocks function above ${thresholds.blocksDurationPercentOfTimeout} % of its ${blocksTimeout.toSeconds()} s timeout (${durationThreshold} ms): Redis slow or unreachable, connections waiting.`,
      metric: durationP99,
      threshold: durationThreshold,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    })

    // Written by the function itself (EMF, @cubewalk/middleware's redisPool metrics).
    const code = (metricName: string, statistic: string, label: string): Metric =>
      new Metric({
        namespace: customMetricsNamespace,
        metricName,
        dimensionsMap: { ApiId: restApiId },
        period,
        statistic,
        label,
      })
    const redisUnavailable = code('RedisUnavailable', 'Sum', '503: Redis unavailable')
    this.addAlarm('blocks', 'RedisUnavailable', {
      name: 'redis-unavailable',
      description: `At least ${thresholds.redisUnavailablePerMinute} request(s) a minute answered 503 because the blocks function could not use Redis (refused, unreachable, timed out, failing over).`,
      metric: redisUnavailable,
      threshold: thresholds.redisUnavailablePerMinute,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    })

    this.graph('blocks', 'Invocations (per minute)', [
      fn.metricInvocations({ period, label: 'invocations' }),
      errors,
      throttles,
    ])
    this.graph(
      'blocks',
      'Redis: 503s and reconnects (per minute)',
      [redisUnavailable, code('RedisReconnects', 'Sum', 'reconnects')],
      [{ value: thresholds.redisUnavailablePerMinute, label: '503 alarm' }],
    )
    this.graph('blocks', 'Redis command latency, from the function (ms)', [
      code('RedisCommandLatency', 'p50', 'p50'),
      code('RedisCommandLatency', 'p99', 'p99'),
    ])
    this.graph('blocks', 'Concurrent executions', [
      fn.metric('ConcurrentExecutions', { period, statistic: 'Maximum', label: 'max' }),
    ])
    this.graph(
      'blocks',
      'Duration (ms)',
      [fn.metricDuration({ period, statistic: 'p50', label: 'p50' }), durationP99],
      [
        { value: durationThreshold, label: 'alarm' },
        { value: timeoutMs, label: 'timeout' },
      ],
    )
  }

  private monitorNodeBasedCache(): void {
    const { cache, options } = this.props
    const { thresholds } = options
    const nodeMetric = (nodeId: string, metricName: string, statistic: string): Metric =>
      new Metric({
        namespace: 'AWS/ElastiCache',
        metricName,
        dimensionsMap: { CacheClusterId: nodeId },
        statistic,
        period,
        label: nodeId,
      })
    const perNode = (metricName: string, statistic: string): Metric[] =>
      cache.memberClusterIds.map((nodeId) => nodeMetric(nodeId, metricName, statistic))
    // One alarm per concern, on the worst node: which node is the primary (and so the one that is busy or lags) changes
    // with every failover.
    const worstNode = (metricName: string, statistic: string, label: string): MathExpression => {
      const usingMetrics = Object.fromEntries(
        perNode(metricName, statistic).map((metric, i) => [`node${i + 1}`, metric]),
      )
      return new MathExpression({
        expression: `MAX([${Object.keys(usingMetrics).join(', ')}])`,
        usingMetrics,
        period,
        label,
      })
    }
    const connectionsThreshold = Math.floor(
      (options.cacheMaxClients * thresholds.cacheConnectionsPercentOfMax) / 100,
    )
    const lagSeconds = thresholds.cacheReplicationLag.toMilliseconds() / 1000

    this.addAlarm('cache', 'EngineCpu', {
      name: 'cache-engine-cpu',
      description: `EngineCPUUtilization (Valkey's main thread) of a cache node above ${thresholds.cacheEngineCpuPercent} %.`,
      metric: worstNode('EngineCPUUtilization', 'Maximum', 'busiest node'),
      threshold: thresholds.cacheEngineCpuPercent,
      treatMissingData: TreatMissingData.MISSING,
    })
    this.addAlarm('cache', 'Memory', {
      name: 'cache-memory',
      description: `DatabaseMemoryUsagePercentage of a cache node above ${thresholds.cacheMemoryPercent} %: at 100 % writes fail (OOM) or keys with a TTL are evicted.`,
      metric: worstNode('DatabaseMemoryUsagePercentage', 'Maximum', 'fullest node'),
      threshold: thresholds.cacheMemoryPercent,
      treatMissingData: TreatMissingData.MISSING,
    })
    this.addAlarm('cache', 'Evictions', {
      name: 'cache-evictions',
      description: `A cache node evicted at least ${thresholds.cacheEvictionsPerMinute} key(s) in a minute: memory is full.`,
      metric: worstNode('Evictions', 'Sum', 'evictions, worst node'),
      threshold: thresholds.cacheEvictionsPerMinute,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
    })
    this.addAlarm('cache', 'Connections', {
      name: 'cache-connections',
      description: `CurrConnections of a cache node above ${thresholds.cacheConnectionsPercentOfMax} % of maxclients (${options.cacheMaxClients}): ${connectionsThreshold}. New connections are refused at the limit.`,
      metric: worstNode('CurrConnections', 'Maximum', 'busiest node'),
      threshold: connectionsThreshold,
      treatMissingData: TreatMissingData.MISSING,
    })
    // Only a replica reports ReplicationLag. No data from any node means no replica: during a failover, or after one
    // that left the group without a replacement, when an unplanned failover would lose writes (and durable writes 503).
    this.addAlarm('cache', 'ReplicationLag', {
      name: 'cache-replication-lag',
      description: `The replica is more than ${lagSeconds} s behind the primary, or no replica reports at all (failover under way, replica missing).`,
      metric: worstNode('ReplicationLag', 'Maximum', 'replica lag'),
      threshold: lagSeconds,
      treatMissingData: TreatMissingData.BREACHING,
    })

    this.graph('cache', 'EngineCPUUtilization (%)', perNode('EngineCPUUtilization', 'Maximum'), [
      { value: thresholds.cacheEngineCpuPercent, label: 'alarm' },
    ])
    this.graph(
      'cache',
      'DatabaseMemoryUsagePercentage (%)',
      perNode('DatabaseMemoryUsagePercentage', 'Maximum'),
      [{ value: thresholds.cacheMemoryPercent, label: 'alarm' }],
    )
    this.graph('cache', 'CurrConnections', perNode('CurrConnections', 'Maximum'), [
      { value: connectionsThreshold, label: 'alarm' },
    ])
    this.graph('cache', 'Evictions (per minute)', perNode('Evictions', 'Sum'))
    this.graph('cache', 'ReplicationLag (s)', perNode('ReplicationLag', 'Maximum'), [
      { value: lagSeconds, label: 'alarm' },
    ])
  }

  private monitorServerlessCache(): void {
    const { cache, options, serverlessMaxEcpuPerSecond, serverlessMaxDataStorageGb } = this.props
    const { thresholds } = options
    // ElastiCache Serverless publishes under the dimension `clusterId` (lower case), not CacheClusterId.
    const cacheMetric = (metricName: string, statistic: string, label: string): Metric =>
      new Metric({
        namespace: 'AWS/ElastiCache',
        metricName,
        dimensionsMap: { clusterId: cache.cacheId },
        statistic,
        period,
        label,
      })
    const throttled = cacheMetric('ThrottledCmds', 'Sum', 'throttled commands')
    const ecpuPerSecond = new MathExpression({
      expression: 'ecpu / PERIOD(ecpu)',
      usingMetrics: { ecpu: cacheMetric('ElastiCacheProcessingUnits', 'Sum', 'ECPUs') },
      period,
      label: 'ECPUs per second',
    })
    const storage = cacheMetric('BytesUsedForCache', 'Maximum', 'bytes stored')
    const ecpuThreshold = Math.floor((serverlessMaxEcpuPerSecond * thresholds.cacheEcpuPercentOfLimit) / 100)
    const storageLimit = serverlessMaxDataStorageGb * bytesPerGb
    const storageThreshold = Math.floor((storageLimit * thresholds.cacheStoragePercentOfLimit) / 100)

    this.addAlarm('cache', 'ThrottledCommands', {
      name: 'cache-throttled-commands',
      description: `The serverless cache throttled at least ${thresholds.cacheThrottledCommandsPerMinute} command(s) a minute: load grows faster than it scales, or it is at its ECPU limit.`,
      metric: throttled,
      threshold: thresholds.cacheThrottledCommandsPerMinute,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    })
    this.addAlarm('cache', 'EcpuNearLimit', {
      name: 'cache-ecpu-near-limit',
      description: `The serverless cache uses more than ${thresholds.cacheEcpuPercentOfLimit} % of its ${serverlessMaxEcpuPerSecond} ECPUs per second limit (${ecpuThreshold}); at the limit it throttles.`,
      metric: ecpuPerSecond,
      threshold: ecpuThreshold,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    })
    this.addAlarm('cache', 'StorageNearLimit', {
      name: 'cache-storage-near-limit',
      description: `The serverless cache stores more than ${thresholds.cacheStoragePercentOfLimit} % of its ${serverlessMaxDataStorageGb} GB limit; at the limit writes fail.`,
      metric: storage,
      threshold: storageThreshold,
      treatMissingData: TreatMissingData.MISSING,
    })

    this.graph(
      'cache',
      'ECPUs per second',
      [ecpuPerSecond],
      [
        { value: ecpuThreshold, label: 'alarm' },
        { value: serverlessMaxEcpuPerSecond, label: 'limit' },
      ],
    )
    this.graph(
      'cache',
      'Stored data (bytes)',
      [storage],
      [
        { value: storageThreshold, label: 'alarm' },
        { value: storageLimit, label: 'limit' },
      ],
    )
    this.graph('cache', 'Throttled commands (per minute)', [throttled])
    this.graph('cache', 'CurrConnections', [cacheMetric('CurrConnections', 'Maximum', 'connections')])
    this.graph('cache', 'Request latency (µs)', [
      cacheMetric('SuccessfulReadRequestLatency', 'p99', 'read p99'),
      cacheMetric('SuccessfulWriteRequestLatency', 'p99', 'write p99'),
    ])
  }

  private addAlarm(section: MonitoringSection, id: string, spec: AlarmSpec): Alarm {
    const { options, alarmNamePrefix } = this.props
    const alarm = new Alarm(this, id, {
      alarmName: `${alarmNamePrefix}-${spec.name}`,
      alarmDescription: `${spec.description} Runbook: docs/deploy.md, section Alarms, ${spec.name}.`,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: spec.evaluationPeriods ?? options.evaluationPeriods,
      datapointsToAlarm: spec.datapointsToAlarm ?? options.datapointsToAlarm,
      treatMissingData: spec.treatMissingData,
    })
    // Created once the cache exists, so that no alarm (the replication lag one above all) fires while it is being made.
    alarm.node.addDependency(this.props.cache)
    if (this.action !== undefined) {
      alarm.addAlarmAction(this.action)
      alarm.addOkAction(this.action)
    }
    this.sections[section].alarms.push(alarm)
    this.alarms.push(alarm)
    return alarm
  }

  private graph(
    section: MonitoringSection,
    title: string,
    metrics: IMetric[],
    leftAnnotations: HorizontalAnnotation[] = [],
  ): void {
    this.sections[section].graphs.push(
      new GraphWidget({ title, left: metrics, leftAnnotations, ...graphSize }),
    )
  }
}

/** `widgets` in rows of at most `perRow`. */
const rows = <T>(widgets: readonly T[], perRow: number): T[][] =>
  Array.from({ length: Math.ceil(widgets.length / perRow) }, (_, i) =>
    widgets.slice(i * perRow, (i + 1) * perRow),
  )
