// Bench entry (bench/metrics-cold-import.mjs): the built-in EMF writer alone, to compare with Powertools Metrics.
import { emfMetrics } from '@cubewalk/middleware/metrics'

export const metrics = emfMetrics({ namespace: 'Cubewalk', dimensions: { ApiId: 'a1b2c3d4e5' } })
