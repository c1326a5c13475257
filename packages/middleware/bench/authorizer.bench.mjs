// Warm check of one token against 10 named tokens (goal: ≤ 2 µs median).
// Usage: npm run build -w @cubewalk/middleware && node packages/middleware/bench/authorizer.bench.mjs
import { Bench } from 'tinybench'
import { tokenAuthorizer } from '../dist/index.js'

export async function benchAuthorizer() {
  const tokens = Object.fromEntries(
    Array.from({ length: 10 }, (_, i) => [`bench-${i}`, `bench-token-not-secret-${i}-${'x'.repeat(24)}`]),
  )
  const authorizer = tokenAuthorizer({ tokens, pattern: /[A-Za-z0-9_-]{8,128}/ })
  const methodArn = 'arn:aws:execute-api:eu-west-1:123456789012:abcdef1234/prod/GET/cubewalkblocks'
  const request = (authorizationToken) => ({
    event: { type: 'TOKEN', authorizationToken, methodArn },
    context: {},
    response: undefined,
    error: undefined,
    internal: {},
  })
  // Requests built once: the bench measures the check, not the harness.
  const last = request(tokens['bench-9'])
  const unknown = request(`bench-token-not-secret-x-${'x'.repeat(24)}`)
  const bench = new Bench({ time: 1000, warmup: true })
  bench
    .add('valid token (10th of 10)', () => {
      authorizer.before(last)
    })
    .add('unknown token (checked against all 10)', () => {
      try {
        authorizer.before(unknown)
      } catch {}
    })
  await bench.run()
  return bench.tasks.map((task) => ({
    name: task.name,
    medianUs: task.result.latency.p50 * 1000,
    samples: task.result.latency.samplesCount,
  }))
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const results = await benchAuthorizer()
  for (const r of results) console.log(`${r.name}: median ${r.medianUs.toFixed(3)} µs (goal ≤ 2 µs)`)
}
