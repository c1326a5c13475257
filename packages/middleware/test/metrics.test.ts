// The built-in EMF writer (@cubewalk/middleware/metrics) against the embedded metric format specification
// (support/emf.ts), and its limits: one line per publish, early lines at the EMF caps, invalid input refused.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { emfMetrics, MetricsConfigError } from '../src/metrics.js'
import { collectLines, expectEmf } from './support/emf.js'

afterEach(() => {
  vi.restoreAllMocks()
})

describe('emfMetrics', () => {
  it('writes one valid EMF line per publish, values at the root, dimensions of the line and the defaults', () => {
    const { lines, write } = collectLines()
    const metrics = emfMetrics({ namespace: 'Cubewalk', dimensions: { ApiId: 'a1b2c3d4e5' }, write })
    const before = Date.now()
    metrics.addMetric('RedisCommandLatency', 'Milliseconds', 1.25)
    metrics.addMetric('RedisCommandLatency', 'Milliseconds', 3)
    metrics.addMetric('RedisUnavailable', 'Count', 1)
    metrics.addDimension('Reason', 'UnknownToken')
    expect(lines).toEqual([])
    metrics.publishStoredMetrics()
    expect(lines).toHaveLength(1)
    const line = expectEmf(lines[0] as string)
    expect(line._aws.Timestamp).toBeGreaterThanOrEqual(before)
    expect(line._aws.Timestamp).toBeLessThanOrEqual(Date.now())
    expect(line._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'Cubewalk',
        Dimensions: [['ApiId', 'Reason']],
        Metrics: [
          { Name: 'RedisCommandLatency', Unit: 'Milliseconds' },
          { Name: 'RedisUnavailable', Unit: 'Count' },
        ],
      },
    ])
    expect(line).toMatchObject({
      ApiId: 'a1b2c3d4e5',
      Reason: 'UnknownToken',
      RedisCommandLatency: [1.25, 3],
      RedisUnavailable: 1,
    })
    expect(Object.keys(line).sort()).toEqual(
      ['ApiId', 'Reason', 'RedisCommandLatency', 'RedisUnavailable', '_aws'].sort(),
    )
  })

  it('starts over after a publish: the line dimensions go, the default ones stay; nothing recorded, nothing written', () => {
    const { lines, write } = collectLines()
    const metrics = emfMetrics({ namespace: 'Cubewalk', dimensions: { ApiId: 'a1b2c3d4e5' }, write })
    metrics.publishStoredMetrics()
    expect(lines).toEqual([])
    metrics
      .addDimension('Reason', 'UnknownToken')
      .addMetric('TokenRefusals', 'Count', 1)
      .publishStoredMetrics()
    metrics.addMetric('TokensUnavailable', 'Count', 1).publishStoredMetrics()
    metrics.publishStoredMetrics()
    expect(lines).toHaveLength(2)
    const second = expectEmf(lines[1] as string)
    expect(second._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['ApiId']])
    expect(second).not.toHaveProperty('Reason')
    expect(second).not.toHaveProperty('TokenRefusals')
    expect(second.TokensUnavailable).toBe(1)
  })

  it('a line without any dimension has one empty dimension set', () => {
    const { lines, write } = collectLines()
    emfMetrics({ namespace: 'Cubewalk', write })
      .addMetric('RedisReconnects', 'Count', 1)
      .publishStoredMetrics()
    expect(expectEmf(lines[0] as string)._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([[]])
  })

  it('writes early at the EMF caps: 100 values of one metric, 100 metrics in one directive', () => {
    const { lines, write } = collectLines()
    const metrics = emfMetrics({ namespace: 'Cubewalk', write })
    metrics.addDimension('Reason', 'UnknownToken')
    for (let i = 0; i < 150; i++) metrics.addMetric('RedisCommandLatency', 'Milliseconds', i)
    expect(lines).toHaveLength(1)
    metrics.publishStoredMetrics()
    const [full, rest] = lines.map(expectEmf)
    expect(full?.RedisCommandLatency).toHaveLength(100)
    expect(rest?.RedisCommandLatency).toHaveLength(50)
    // An early line keeps the line's dimensions: it is the same invocation.
    expect(rest?.Reason).toBe('UnknownToken')

    lines.length = 0
    for (let i = 0; i < 101; i++) metrics.addMetric(`Metric${i}`, 'Count', 1)
    metrics.publishStoredMetrics()
    expect(lines.map(expectEmf).map((line) => line._aws.CloudWatchMetrics[0]?.Metrics.length)).toEqual([
      100, 1,
    ])
  })

  it('writes to stdout by default, one line each, as Lambda passes it on unwrapped', () => {
    const written: string[] = []
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk))
      return true
    })
    emfMetrics({ namespace: 'Cubewalk' }).addMetric('RedisUnavailable', 'Count', 1).publishStoredMetrics()
    vi.restoreAllMocks()
    expect(written).toHaveLength(1)
    expect(written[0]?.endsWith('\n')).toBe(true)
    expect(written[0]?.slice(0, -1)).not.toContain('\n')
    expect(expectEmf(written[0] as string).RedisUnavailable).toBe(1)
  })

  it('survives names that are Object.prototype members', () => {
    const { lines, write } = collectLines()
    const metrics = emfMetrics({ namespace: 'Cubewalk', dimensions: { constructor: 'x' }, write })
    metrics.addMetric('__proto__', 'Count', 2).addMetric('toString', 'Count', 1).publishStoredMetrics()
    const line = JSON.parse(lines[0] as string) as Record<string, unknown>
    expect(Object.getOwnPropertyDescriptor(line, '__proto__')?.value).toBe(2)
    expect(line.toString).toBe(1)
    expect(line.constructor).toBe('x')
  })

  it.each([
    [{}, /namespace/],
    [{ namespace: '' }, /namespace/],
    [{ namespace: 'AWS/Lambda' }, /AWS\//],
    [{ namespace: 'x'.repeat(256) }, /namespace/],
    [{ namespace: 'Cubewalk', dimension: {} }, /unknown option "dimension" \(did you mean "dimensions"\?\)/],
    [{ namespace: 'Cubewalk', dimensions: { ApiId: '' } }, /dimension ApiId/],
    [{ namespace: 'Cubewalk', dimensions: { ApiId: ':x' } }, /dimension ApiId/],
    [{ namespace: 'Cubewalk', dimensions: { ApiId: 5 } }, /dimension ApiId/],
    [{ namespace: 'Cubewalk', dimensions: { _aws: 'x' } }, /_aws/],
    [
      { namespace: 'Cubewalk', dimensions: { ['d'.repeat(251)]: 'x' } },
      /dimension name must be a string of 1 to 250/,
    ],
    [
      {
        namespace: 'Cubewalk',
        dimensions: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`D${i}`, 'v'])),
      },
      /at most 30/,
    ],
    [{ namespace: 'Cubewalk', write: 'stdout' }, /write/],
  ])('refuses options %j', (options, message) => {
    expect(() => emfMetrics(options as never)).toThrow(MetricsConfigError)
    expect(() => emfMetrics(options as never)).toThrow(message)
  })

  it('refuses invalid metrics and dimensions at the call, writing nothing', () => {
    const { lines, write } = collectLines()
    const metrics = emfMetrics({ namespace: 'Cubewalk', dimensions: { ApiId: 'a1b2c3d4e5' }, write })
    expect(() => metrics.addMetric('Latency', 'Millisecond' as never, 1)).toThrow(/CloudWatch unit/)
    expect(() => metrics.addMetric('Latency', 'Milliseconds', Number.NaN)).toThrow(/finite/)
    expect(() => metrics.addMetric('', 'Count', 1)).toThrow(/metric name/)
    expect(() => metrics.addMetric('ApiId', 'Count', 1)).toThrow(/already a dimension/)
    metrics.addMetric('Latency', 'Milliseconds', 1)
    expect(() => metrics.addMetric('Latency', 'Seconds', 1)).toThrow(/recorded in Milliseconds/)
    expect(() => metrics.addDimension('Latency', 'x')).toThrow(/already a metric/)
    expect(() => metrics.addDimension('Reason', '   ')).toThrow(/dimension Reason/)
    for (let i = 0; i < 29; i++) metrics.addDimension(`D${i}`, 'v')
    expect(() => metrics.addDimension('D29', 'v')).toThrow(/at most 30/)
    metrics.addDimension('D0', 'replaced')
    metrics.publishStoredMetrics()
    const line = expectEmf(lines[0] as string)
    expect(line.D0).toBe('replaced')
    expect(line._aws.CloudWatchMetrics[0]?.Dimensions[0]).toHaveLength(30)
  })

  it('accepts every limit of the EMF specification exactly, and refuses one more', () => {
    const { lines, write } = collectLines()
    const dimensions = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`D${i}`, 'v']))
    const longest = emfMetrics({ namespace: 'n'.repeat(255), dimensions, write })
    longest.addMetric('m'.repeat(255), 'Count', 1).publishStoredMetrics()
    expect(expectEmf(lines[0] as string)._aws.CloudWatchMetrics[0]?.Dimensions[0]).toHaveLength(30)

    const metrics = emfMetrics({ namespace: 'Cubewalk', write })
    metrics.addDimension('d'.repeat(250), 'v'.repeat(1024))
    const thrown = (action: () => unknown): string => {
      try {
        action()
      } catch (error) {
        expect(error).toBeInstanceOf(MetricsConfigError)
        expect((error as Error).name).toBe('MetricsConfigError')
        return (error as Error).message
      }
      throw new Error('expected a MetricsConfigError')
    }
    expect(thrown(() => metrics.addMetric('m'.repeat(256), 'Count', 1))).toBe(
      'emfMetrics: metric name must be a string of 1 to 255 characters other than _aws',
    )
    expect(thrown(() => metrics.addMetric(5 as never, 'Count', 1))).toBe(
      'emfMetrics: metric name must be a string of 1 to 255 characters other than _aws',
    )
    expect(thrown(() => metrics.addDimension('d'.repeat(251), 'v'))).toBe(
      'emfMetrics: dimension name must be a string of 1 to 250 characters other than _aws',
    )
    expect(thrown(() => metrics.addDimension('Reason', 'v'.repeat(1025)))).toBe(
      "emfMetrics: dimension Reason needs a value of 1 to 1024 characters, not blank, not starting with ':'",
    )
    expect(thrown(() => metrics.addMetric('Latency', 'Milliseconds', Number.POSITIVE_INFINITY))).toBe(
      'emfMetrics: value of Latency must be a finite number',
    )
    expect(thrown(() => metrics.addMetric('Latency', 'Milliseconds', '1' as never))).toBe(
      'emfMetrics: value of Latency must be a finite number',
    )
  })

  it.each([
    [null, 'emfMetrics: needs an options object with a namespace'],
    ['Cubewalk', 'emfMetrics: needs an options object with a namespace'],
    [
      { namespace: 'Cubewalk', dimensions: null },
      'emfMetrics: dimensions must be an object of name → value strings',
    ],
    [
      { namespace: 'Cubewalk', dimensions: 'ApiId' },
      'emfMetrics: dimensions must be an object of name → value strings',
    ],
  ])('refuses options %j: %s', (options, message) => {
    expect(() => emfMetrics(options as never)).toThrow(
      new MetricsConfigError(message.replace('emfMetrics: ', '')),
    )
  })

  it('a line dimension that overrides a default one is named once in the directive', () => {
    const { lines, write } = collectLines()
    const metrics = emfMetrics({ namespace: 'Cubewalk', dimensions: { ApiId: 'default' }, write })
    metrics
      .addDimension('ApiId', 'this-line')
      .addMetric('RedisUnavailable', 'Count', 1)
      .publishStoredMetrics()
    const line = expectEmf(lines[0] as string)
    expect(line.ApiId).toBe('this-line')
    expect(line._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['ApiId']])
  })

  it('at 100 metrics: a value of one already there joins it; a new one starts a line with the same dimensions', () => {
    const { lines, write } = collectLines()
    const metrics = emfMetrics({ namespace: 'Cubewalk', write })
    metrics.addDimension('Reason', 'UnknownToken')
    for (let i = 0; i < 100; i++) metrics.addMetric(`Metric${i}`, 'Count', 1)
    metrics.addMetric('Metric0', 'Count', 2)
    expect(lines).toEqual([])
    metrics.addMetric('Metric100', 'Count', 1)
    metrics.publishStoredMetrics()
    const [full, rest] = lines.map(expectEmf)
    expect(full?.Metric0).toEqual([1, 2])
    expect(full?._aws.CloudWatchMetrics[0]?.Metrics).toHaveLength(100)
    expect(rest?.Metric100).toBe(1)
    expect(rest?.Reason).toBe('UnknownToken')
  })
})
