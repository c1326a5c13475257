// Bench entry (bench/metrics-cold-import.mjs): Powertools Metrics alone, to see its own share of a cold start.
import { Metrics } from '@aws-lambda-powertools/metrics'

export const metrics = new Metrics({ namespace: 'Cubewalk', serviceName: 'authorizer' })
