// The CloudWatch embedded metric format specification, as checks on one log line (written from the specification,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
// a JSON object whose `_aws` member holds a millisecond `Timestamp` and `CloudWatchMetrics`, an array of metric
// directives; each directive names a `Namespace`, `Dimensions` (an array of dimension sets, each an array of at
// most 30 names of root members holding strings) and `Metrics` (at most 100 definitions, each a `Name` of a root
// member holding a number or an array of at most 100 numbers, and an optional `Unit` from CloudWatch's list).
import { expect } from 'vitest'
import { cloudWatchUnits } from '../../src/metrics.js'

export interface EmfLine {
  readonly _aws: {
    readonly Timestamp: number
    readonly CloudWatchMetrics: ReadonlyArray<{
      readonly Namespace: string
      readonly Dimensions: ReadonlyArray<readonly string[]>
      readonly Metrics: ReadonlyArray<{ readonly Name: string; readonly Unit?: string }>
    }>
  }
  readonly [member: string]: unknown
}

const isString = (value: unknown): value is string => typeof value === 'string'

/** Parses `line` and fails the test unless it is a valid EMF document; returns it. */
export const expectEmf = (line: string): EmfLine => {
  const root = JSON.parse(line) as Record<string, unknown>
  expect(typeof root).toBe('object')
  expect(Array.isArray(root)).toBe(false)
  const aws = root._aws as Record<string, unknown>
  expect(aws, '_aws member').toBeTypeOf('object')
  expect(Number.isInteger(aws.Timestamp), 'Timestamp: integer milliseconds since the epoch').toBe(true)
  // Milliseconds, not seconds: within a day of now.
  expect(Math.abs((aws.Timestamp as number) - Date.now())).toBeLessThan(86_400_000)
  const directives = aws.CloudWatchMetrics as unknown[]
  expect(Array.isArray(directives) && directives.length > 0, 'CloudWatchMetrics: non-empty array').toBe(true)
  for (const directive of directives as Array<Record<string, unknown>>) {
    const namespace = directive.Namespace
    expect(isString(namespace) && namespace.length >= 1 && namespace.length <= 255, 'Namespace').toBe(true)
    const dimensionSets = directive.Dimensions as unknown[]
    expect(Array.isArray(dimensionSets), 'Dimensions: array of dimension sets').toBe(true)
    for (const set of dimensionSets as unknown[][]) {
      expect(Array.isArray(set), 'a dimension set is an array').toBe(true)
      expect(set.length).toBeLessThanOrEqual(30)
      for (const name of set) {
        expect(
          isString(name) && name.length >= 1 && name.length <= 250,
          'dimension names: 1 to 250 characters',
        ).toBe(true)
        const value = root[name as string]
        expect(
          isString(value) && value.trim() !== '' && value.length <= 1024,
          `dimension ${name} value`,
        ).toBe(true)
      }
    }
    const metrics = directive.Metrics as Array<Record<string, unknown>>
    expect(Array.isArray(metrics), 'Metrics: array').toBe(true)
    expect(metrics.length).toBeLessThanOrEqual(100)
    for (const metric of metrics) {
      const name = metric.Name
      expect(isString(name) && name.length >= 1 && name.length <= 255, 'metric Name').toBe(true)
      if (metric.Unit !== undefined) expect(cloudWatchUnits).toContain(metric.Unit)
      const value = root[name as string]
      const values = Array.isArray(value) ? value : [value]
      expect(values.length, `${name}: 1 to 100 values`).toBeGreaterThan(0)
      expect(values.length).toBeLessThanOrEqual(100)
      for (const v of values)
        expect(typeof v === 'number' && Number.isFinite(v), `${name} values are numbers`).toBe(true)
    }
  }
  return root as unknown as EmfLine
}

/** Every line `emit` would hand a log, collected. */
export const collectLines = (): { lines: string[]; write: (line: string) => void } => {
  const lines: string[] = []
  return { lines, write: (line) => lines.push(line) }
}
