// What a middleware records through (MetricsRecorder) and how its `metrics` option is checked: a sink is published
// only after something was recorded since the last publish (Powertools Metrics warns about an empty publish), and
// an option missing any of the three methods is refused with the middleware's own error.
import { describe, expect, it } from 'vitest'
import { checkMetricsSink, MetricsRecorder } from '../src/metrics/recorder.js'
import type { MetricsSink } from '../src/metrics.js'

/** A sink that keeps every call, in order. */
function recordingSink(): MetricsSink & { calls: string[] } {
  const calls: string[] = []
  return {
    calls,
    addMetric(name, unit, value) {
      calls.push(`metric ${name} ${unit} ${value}`)
      return this
    },
    addDimension(name, value) {
      calls.push(`dimension ${name}=${value}`)
      return this
    },
    publishStoredMetrics() {
      calls.push('publish')
      return this
    },
  } as MetricsSink & { calls: string[] }
}

describe('MetricsRecorder', () => {
  it('publishes only what was recorded since the last publish, and nothing when nothing was', () => {
    const sink = recordingSink()
    const recorder = new MetricsRecorder(sink)
    recorder.flush()
    expect(sink.calls).toEqual([])
    recorder.dimension('Reason', 'UnknownToken')
    recorder.flush()
    // A dimension alone is not a metric: still nothing to publish.
    expect(sink.calls).toEqual(['dimension Reason=UnknownToken'])
    recorder.count('TokenRefusals')
    recorder.milliseconds('RedisCommandLatency', 1.5)
    recorder.flush()
    recorder.flush()
    expect(sink.calls).toEqual([
      'dimension Reason=UnknownToken',
      'metric TokenRefusals Count 1',
      'metric RedisCommandLatency Milliseconds 1.5',
      'publish',
    ])
    recorder.milliseconds('RedisCommandLatency', 2)
    recorder.flush()
    expect(sink.calls.slice(-2)).toEqual(['metric RedisCommandLatency Milliseconds 2', 'publish'])
  })
})

describe('checkMetricsSink', () => {
  const fail = (message: string) => new RangeError(`test: ${message}`)
  const complete = recordingSink()

  it('accepts an object with the three methods, as it is', () => {
    expect(checkMetricsSink(complete, fail)).toBe(complete)
  })

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'emf'],
    ['a function', () => {}],
    ['no addMetric', { ...complete, addMetric: undefined }],
    ['no addDimension', { ...complete, addDimension: 'yes' }],
    ['no publishStoredMetrics', { ...complete, publishStoredMetrics: undefined }],
  ])('refuses %s with the caller’s error', (_name, sink) => {
    expect(() => checkMetricsSink(sink, fail)).toThrow(
      new RangeError(
        'test: metrics must have addMetric, addDimension and publishStoredMetrics: emfMetrics() from @cubewalk/middleware/metrics or a Powertools Metrics instance',
      ),
    )
  })
})
