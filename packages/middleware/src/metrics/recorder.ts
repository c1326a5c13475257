import type { MetricsSink } from '../metrics.js'

/** Checks a middleware's `metrics` option; `fail` builds that middleware's config error. */
export function checkMetricsSink(sink: unknown, fail: (message: string) => Error): MetricsSink {
  const candidate = sink as Partial<Record<keyof MetricsSink, unknown>> | null | undefined
  if (
    typeof candidate?.addMetric !== 'function' ||
    typeof candidate.addDimension !== 'function' ||
    typeof candidate.publishStoredMetrics !== 'function'
  ) {
    throw fail(
      'metrics must have addMetric, addDimension and publishStoredMetrics: emfMetrics() from @cubewalk/middleware/metrics or a Powertools Metrics instance',
    )
  }
  return candidate as MetricsSink
}

/**
 * What a middleware records through: remembers whether anything was recorded since the last flush, so an
 * invocation that recorded nothing writes nothing (Powertools Metrics would warn about an empty publish).
 */
export class MetricsRecorder {
  readonly #sink: MetricsSink
  #pending = false

  constructor(sink: MetricsSink) {
    this.#sink = sink
  }

  count(name: string): void {
    this.#sink.addMetric(name, 'Count', 1)
    this.#pending = true
  }

  milliseconds(name: string, ms: number): void {
    this.#sink.addMetric(name, 'Milliseconds', ms)
    this.#pending = true
  }

  dimension(name: string, value: string): void {
    this.#sink.addDimension(name, value)
  }

  flush(): void {
    if (!this.#pending) return
    this.#pending = false
    this.#sink.publishStoredMetrics()
  }
}
