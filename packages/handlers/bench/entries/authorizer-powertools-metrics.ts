// Bench entry (bench/metrics-cold-import.mjs): the authorizer as deployed plus Powertools Metrics, constructed at
// module scope as a user backing the authorizer's `metrics` option with it would do.
import { Metrics } from '@aws-lambda-powertools/metrics'

export const metrics = new Metrics({ namespace: 'Cubewalk', serviceName: 'authorizer' })
export { handler } from '../../src/authorizer.js'
