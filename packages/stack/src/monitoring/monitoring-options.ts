import { Duration, Token } from 'aws-cdk-lib'
import type { ITopic } from 'aws-cdk-lib/aws-sns'

/**
 * When each alarm fires. Every alarm looks at one-minute data points; rates, latencies and utilisations must breach in
 * `datapointsToAlarm` of the last `evaluationPeriods` minutes (default 3 of 5), counts of events the same way, and
 * evictions on the first minute they happen (docs/deploy.md, "Alarms", says what each one means).
 */
export interface AlarmThresholds {
  /** 5XX answers in percent of the stage's requests. Default 1. */
  readonly apiServerErrorRatePercent: number
  /**
   * 4XX answers in percent of the stage's requests: a surge of refused tokens (an attack, a leaked or expired token in
   * a client) or a broken client. 404 for a chunk never written counts too, so raise it if clients probe a lot. Default 30.
   */
  readonly apiClientErrorRatePercent: number
  /** Minutes with fewer requests than this never count against the rate alarms above. Default 10. */
  readonly minRequestsPerMinute: number
  /** p99 of API Gateway's Latency (authorizer + integration + gateway). Default 2 s. */
  readonly apiLatencyP99: Duration
  /** Requests per minute answered 500 because the authorizer failed (threw, timed out, was throttled). Default 1. */
  readonly authorizerFailuresPerMinute: number
  /** Failed invocations of the blocks function per minute (each is a 502 for the client). Default 1. */
  readonly blocksErrorsPerMinute: number
  /** Throttled invocations of the blocks function per minute (429/5xx for clients). Default 1. */
  readonly blocksThrottlesPerMinute: number
  /** Requests per minute the blocks function answered 503 because Redis could not be used (its `RedisUnavailable` metric). Default 1. */
  readonly redisUnavailablePerMinute: number
  /** p99 of the blocks function's duration, in percent of its timeout. Default 80. */
  readonly blocksDurationPercentOfTimeout: number
  /** Node-based cache: EngineCPUUtilization of the busiest node (Valkey's main thread), percent. Default 80. */
  readonly cacheEngineCpuPercent: number
  /** Node-based cache: DatabaseMemoryUsagePercentage of the fullest node. Default 80. */
  readonly cacheMemoryPercent: number
  /** Node-based cache: keys evicted per minute on any node. Default 1. */
  readonly cacheEvictionsPerMinute: number
  /** Node-based cache: CurrConnections of the busiest node in percent of `cacheMaxClients`. Default 80. */
  readonly cacheConnectionsPercentOfMax: number
  /** Node-based cache: how far the replica is behind the primary. Default 1 s. */
  readonly cacheReplicationLag: Duration
  /** Serverless cache: commands throttled per minute (ThrottledCmds). Default 1. */
  readonly cacheThrottledCommandsPerMinute: number
  /** Serverless cache: ECPUs per second in percent of the cache's ECPU limit (`serverlessMaxEcpuPerSecond`). Default 80. */
  readonly cacheEcpuPercentOfLimit: number
  /** Serverless cache: stored data in percent of its storage limit (`serverlessMaxDataStorageGb`). Default 80. */
  readonly cacheStoragePercentOfLimit: number
}

export interface MonitoringOptions {
  /** Send every alarm (and its return to OK) to this address: creates an encrypted SNS topic with an e-mail subscription. */
  readonly alarmEmail?: string
  /** Send every alarm (and its return to OK) to this existing topic instead (its policy must admit CloudWatch). */
  readonly alarmTopic?: ITopic
  /** Any of the thresholds; the others keep their defaults. */
  readonly thresholds?: Partial<AlarmThresholds>
  /** Minutes each alarm looks back. Default 5. */
  readonly evaluationPeriods?: number
  /** Of those, how many must breach. Default 3. */
  readonly datapointsToAlarm?: number
  /** `maxclients` of the cache nodes: 65,000 on every ElastiCache node type unless a parameter group lowers it. */
  readonly cacheMaxClients?: number
}

export interface ResolvedMonitoringOptions {
  readonly alarmEmail?: string
  readonly alarmTopic?: ITopic
  readonly thresholds: AlarmThresholds
  readonly evaluationPeriods: number
  readonly datapointsToAlarm: number
  readonly cacheMaxClients: number
}

export const defaultThresholds: AlarmThresholds = {
  apiServerErrorRatePercent: 1,
  apiClientErrorRatePercent: 30,
  minRequestsPerMinute: 10,
  apiLatencyP99: Duration.seconds(2),
  authorizerFailuresPerMinute: 1,
  blocksErrorsPerMinute: 1,
  blocksThrottlesPerMinute: 1,
  redisUnavailablePerMinute: 1,
  blocksDurationPercentOfTimeout: 80,
  cacheEngineCpuPercent: 80,
  cacheMemoryPercent: 80,
  cacheEvictionsPerMinute: 1,
  cacheConnectionsPercentOfMax: 80,
  cacheReplicationLag: Duration.seconds(1),
  cacheThrottledCommandsPerMinute: 1,
  cacheEcpuPercentOfLimit: 80,
  cacheStoragePercentOfLimit: 80,
}

/** ElastiCache's `maxclients` on every node type (not modifiable above it). */
export const elastiCacheMaxClients = 65_000

type Check = (value: unknown) => string | undefined

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && !Token.isUnresolved(value)
const percent: Check = (value) =>
  isNumber(value) && value > 0 && value <= 100 ? undefined : 'a percentage above 0 and at most 100'
const positive: Check = (value) => (isNumber(value) && value > 0 ? undefined : 'a number above 0')
const positiveInteger: Check = (value) =>
  isNumber(value) && Number.isInteger(value) && value >= 1 ? undefined : 'a whole number of at least 1'
const positiveDuration: Check = (value) =>
  value instanceof Duration && value.toMilliseconds() > 0 ? undefined : 'a Duration above 0'

const thresholdChecks: { readonly [K in keyof AlarmThresholds]: Check } = {
  apiServerErrorRatePercent: percent,
  apiClientErrorRatePercent: percent,
  minRequestsPerMinute: positiveInteger,
  apiLatencyP99: positiveDuration,
  authorizerFailuresPerMinute: positive,
  blocksErrorsPerMinute: positive,
  blocksThrottlesPerMinute: positive,
  redisUnavailablePerMinute: positive,
  blocksDurationPercentOfTimeout: percent,
  cacheEngineCpuPercent: percent,
  cacheMemoryPercent: percent,
  cacheEvictionsPerMinute: positive,
  cacheConnectionsPercentOfMax: percent,
  cacheReplicationLag: positiveDuration,
  cacheThrottledCommandsPerMinute: positive,
  cacheEcpuPercentOfLimit: percent,
  cacheStoragePercentOfLimit: percent,
}

const optionKeys = new Set<string>([
  'alarmEmail',
  'alarmTopic',
  'thresholds',
  'evaluationPeriods',
  'datapointsToAlarm',
  'cacheMaxClients',
])

/**
 * The options with their defaults, or an error naming the first wrong one: a misspelt threshold would otherwise leave
 * the default in place without a word.
 */
export const resolveMonitoringOptions = (options: MonitoringOptions = {}): ResolvedMonitoringOptions => {
  const fail = (message: string): never => {
    throw new Error(`monitoring: ${message}`)
  }
  for (const key of Object.keys(options)) {
    if (!optionKeys.has(key)) fail(`unknown option '${key}' (known: ${[...optionKeys].join(', ')})`)
  }
  const thresholds: Record<string, unknown> = { ...defaultThresholds }
  for (const [key, value] of Object.entries(options.thresholds ?? {})) {
    if (!Object.hasOwn(thresholdChecks, key)) {
      fail(`unknown threshold '${key}' (known: ${Object.keys(thresholdChecks).join(', ')})`)
    }
    if (value === undefined) continue
    const problem = thresholdChecks[key as keyof AlarmThresholds](value)
    if (problem !== undefined) fail(`thresholds.${key} must be ${problem}, got ${String(value)}`)
    thresholds[key] = value
  }
  const evaluationPeriods = options.evaluationPeriods ?? 5
  const datapointsToAlarm = options.datapointsToAlarm ?? 3
  if (positiveInteger(evaluationPeriods) !== undefined) {
    fail(`evaluationPeriods must be a whole number of at least 1, got ${evaluationPeriods}`)
  }
  if (positiveInteger(datapointsToAlarm) !== undefined || datapointsToAlarm > evaluationPeriods) {
    fail(
      `datapointsToAlarm must be a whole number from 1 to evaluationPeriods (${evaluationPeriods}), got ${datapointsToAlarm}`,
    )
  }
  const cacheMaxClients = options.cacheMaxClients ?? elastiCacheMaxClients
  if (positiveInteger(cacheMaxClients) !== undefined || cacheMaxClients > elastiCacheMaxClients) {
    fail(`cacheMaxClients must be a whole number from 1 to ${elastiCacheMaxClients}, got ${cacheMaxClients}`)
  }
  if (options.alarmEmail !== undefined && options.alarmTopic !== undefined) {
    fail('give alarmEmail or alarmTopic, not both (subscribe the address to your topic yourself)')
  }
  if (
    options.alarmEmail !== undefined &&
    !Token.isUnresolved(options.alarmEmail) &&
    !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(options.alarmEmail)
  ) {
    fail(`alarmEmail is not an e-mail address: '${options.alarmEmail}'`)
  }
  return {
    alarmEmail: options.alarmEmail,
    alarmTopic: options.alarmTopic,
    thresholds: thresholds as unknown as AlarmThresholds,
    evaluationPeriods,
    datapointsToAlarm,
    cacheMaxClients,
  }
}
