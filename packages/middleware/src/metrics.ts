import { checkKnownKeys, optionKeys } from './options/check-known-keys.js'

/** The units CloudWatch accepts (MetricDatum.Unit), spelt as EMF wants them. */
export const cloudWatchUnits = Object.freeze([
  'Seconds',
  'Microseconds',
  'Milliseconds',
  'Bytes',
  'Kilobytes',
  'Megabytes',
  'Gigabytes',
  'Terabytes',
  'Bits',
  'Kilobits',
  'Megabits',
  'Gigabits',
  'Terabits',
  'Percent',
  'Count',
  'Bytes/Second',
  'Kilobytes/Second',
  'Megabytes/Second',
  'Gigabytes/Second',
  'Terabytes/Second',
  'Bits/Second',
  'Kilobits/Second',
  'Megabits/Second',
  'Gigabits/Second',
  'Terabits/Second',
  'Count/Second',
  'None',
] as const)

export type CloudWatchUnit = (typeof cloudWatchUnits)[number]

/**
 * Where the middlewares' `metrics` option records: Powertools Metrics (`new Metrics({ namespace })` from
 * `@aws-lambda-powertools/metrics`) fits as it is, and {@link emfMetrics} is the built-in writer. A middleware
 * calls `publishStoredMetrics()` once at the end of each invocation in which it recorded something (middy
 * `after`/`onError`), so each such invocation writes one EMF line. The units it records with are `Count` and
 * `Milliseconds`; the only dimension it adds is the token authorizer's `Reason`, from a fixed list.
 */
export interface MetricsSink {
  addMetric(name: string, unit: 'Count' | 'Milliseconds', value: number): unknown
  addDimension(name: string, value: string): unknown
  publishStoredMetrics(): unknown
}

export interface EmfMetricsOptions {
  /** CloudWatch namespace, e.g. `'Cubewalk'`. Required; 1–255 characters, not starting with `AWS/`. */
  namespace: string
  /**
   * Dimensions of every line, e.g. `{ ApiId: 'a1b2c3d4e5' }`: fixed values chosen at deploy time, never request
   * input (each distinct value is a separate, billed metric). At most 30 in all, with those added per line.
   */
  dimensions?: Record<string, string>
  /**
   * Writes one EMF line (JSON, no newline). Default: `process.stdout.write(line + '\n')`, which Lambda puts in the
   * function's log as it is, also with the JSON log format, where console.log would wrap it (and CloudWatch would
   * no longer see EMF).
   */
  write?: (line: string) => void
}

/** Invalid emfMetrics options or an invalid metric name, unit, value or dimension: a programming error. */
export class MetricsConfigError extends TypeError {
  constructor(message: string) {
    super(`emfMetrics: ${message}`)
    this.name = 'MetricsConfigError'
  }
}

// The limits of the EMF specification (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
const maxMetricsPerDirective = 100
const maxValuesPerMetric = 100
const maxDimensions = 30
const maxNameLength = 255
// The specification's JSON schema allows dimension references (names) of at most 250 characters.
const maxDimensionNameLength = 250
const maxDimensionValueLength = 1024

// Stryker disable next-line BooleanLiteral: optionKeys reads only the keys (`true` is for the compiler).
const knownOptions = optionKeys<EmfMetricsOptions>({ namespace: true, dimensions: true, write: true })
const units: ReadonlySet<string> = new Set(cloudWatchUnits)

function checkName(kind: 'metric' | 'dimension', name: unknown): string {
  const max = kind === 'metric' ? maxNameLength : maxDimensionNameLength
  if (typeof name !== 'string' || name.length === 0 || name.length > max || name === '_aws') {
    throw new MetricsConfigError(`${kind} name must be a string of 1 to ${max} characters other than _aws`)
  }
  return name
}

function checkDimensionValue(name: string, value: unknown): string {
  // EMF wants at least one non-whitespace character; CloudWatch refuses a value that starts with ':'.
  if (
    typeof value !== 'string' ||
    value.trim() === '' ||
    value.length > maxDimensionValueLength ||
    value.startsWith(':')
  ) {
    throw new MetricsConfigError(
      `dimension ${name} needs a value of 1 to ${maxDimensionValueLength} characters, not blank, not starting with ':'`,
    )
  }
  return value
}

interface StoredMetric {
  readonly unit: CloudWatchUnit
  readonly values: number[]
}

/**
 * The built-in CloudWatch embedded metric format writer: what a middleware's `metrics` option needs and nothing
 * more (no cold-start metric, no metadata, standard resolution). `addMetric` collects values (several values of
 * one metric become an EMF value array), `addDimension` adds a dimension to the next line only, and
 * `publishStoredMetrics` writes one line with everything collected (nothing when nothing was) and starts over.
 * A line is also written early when a metric reaches 100 values or the 101st metric arrives, the EMF limits.
 */
export class EmfMetrics implements MetricsSink {
  readonly #namespace: string
  readonly #defaultDimensions: ReadonlyMap<string, string>
  readonly #write: (line: string) => void
  #dimensions = new Map<string, string>()
  #metrics = new Map<string, StoredMetric>()

  constructor(options: EmfMetricsOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new MetricsConfigError('needs an options object with a namespace')
    }
    checkKnownKeys(options, knownOptions, (message) => new MetricsConfigError(message))
    const { namespace, dimensions = {}, write } = options
    if (
      typeof namespace !== 'string' ||
      namespace.length === 0 ||
      namespace.length > maxNameLength ||
      namespace.startsWith('AWS/')
    ) {
      throw new MetricsConfigError(
        'namespace must be a string of 1 to 255 characters, not starting with AWS/',
      )
    }
    if (typeof dimensions !== 'object' || dimensions === null) {
      throw new MetricsConfigError('dimensions must be an object of name → value strings')
    }
    const defaults = new Map<string, string>()
    for (const [name, value] of Object.entries(dimensions)) {
      defaults.set(checkName('dimension', name), checkDimensionValue(name, value))
    }
    if (defaults.size > maxDimensions) {
      throw new MetricsConfigError(`at most ${maxDimensions} dimensions, got ${defaults.size}`)
    }
    if (write !== undefined && typeof write !== 'function') {
      throw new MetricsConfigError('write must be a function taking one line')
    }
    this.#namespace = namespace
    this.#defaultDimensions = defaults
    this.#write = write ?? ((line) => process.stdout.write(`${line}\n`))
  }

  addMetric(name: string, unit: CloudWatchUnit, value: number): this {
    checkName('metric', name)
    if (!units.has(unit))
      throw new MetricsConfigError(`unit of ${name} must be a CloudWatch unit, got ${String(unit)}`)
    // Number.isFinite is false for anything but a finite number: a string is never coerced.
    if (!Number.isFinite(value)) {
      throw new MetricsConfigError(`value of ${name} must be a finite number`)
    }
    if (this.#defaultDimensions.has(name) || this.#dimensions.has(name)) {
      throw new MetricsConfigError(`${name} is already a dimension name`)
    }
    let stored = this.#metrics.get(name)
    if (stored !== undefined && stored.unit !== unit) {
      throw new MetricsConfigError(`${name} was recorded in ${stored.unit}, now in ${unit}`)
    }
    if (stored === undefined && this.#metrics.size === maxMetricsPerDirective) this.#flush(false)
    if (stored === undefined || stored.values.length === maxValuesPerMetric) {
      if (stored !== undefined) this.#flush(false)
      stored = { unit, values: [] }
      this.#metrics.set(name, stored)
    }
    stored.values.push(value)
    return this
  }

  addDimension(name: string, value: string): this {
    checkName('dimension', name)
    checkDimensionValue(name, value)
    if (this.#metrics.has(name)) throw new MetricsConfigError(`${name} is already a metric name`)
    const isNew = !this.#defaultDimensions.has(name) && !this.#dimensions.has(name)
    if (isNew && this.#defaultDimensions.size + this.#dimensions.size === maxDimensions) {
      throw new MetricsConfigError(`at most ${maxDimensions} dimensions per line`)
    }
    this.#dimensions.set(name, value)
    return this
  }

  publishStoredMetrics(): this {
    this.#flush(true)
    return this
  }

  /** Writes what was collected; `endOfLine` also drops the per-line dimensions (an early flush keeps them). */
  #flush(endOfLine: boolean): void {
    if (this.#metrics.size > 0) {
      // Prototype-free: metric and dimension names become keys here.
      const line: Record<string, unknown> = Object.create(null)
      const dimensionNames: string[] = []
      for (const dimensions of [this.#defaultDimensions, this.#dimensions]) {
        for (const [name, value] of dimensions) {
          if (!(name in line)) dimensionNames.push(name)
          line[name] = value
        }
      }
      const definitions: { Name: string; Unit: CloudWatchUnit }[] = []
      for (const [name, { unit, values }] of this.#metrics) {
        definitions.push({ Name: name, Unit: unit })
        line[name] = values.length === 1 ? values[0] : values
      }
      line._aws = {
        Timestamp: Date.now(),
        CloudWatchMetrics: [
          { Namespace: this.#namespace, Dimensions: [dimensionNames], Metrics: definitions },
        ],
      }
      this.#metrics = new Map()
      this.#write(JSON.stringify(line))
    }
    if (endOfLine) this.#dimensions = new Map()
  }
}

/** The built-in EMF writer: `emfMetrics({ namespace: 'Cubewalk', dimensions: { ApiId } })`. See {@link EmfMetrics}. */
export function emfMetrics(options: EmfMetricsOptions): EmfMetrics {
  return new EmfMetrics(options)
}
