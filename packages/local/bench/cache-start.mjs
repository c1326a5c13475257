// What the replica of a node-based cache adds to the faithful cache's start: startLocalCache for a node-based
// cache with one replica (two redis-servers, the replica synced before it resolves) against the same cache with
// none, alternating, each stopped after. Both TLS with an IAM user, as the cubewalk stack's.
// `node --import @cubewalk/local/ts-resolve bench/cache-start.mjs [runs]` from packages/local, default 11 of each.
import { freePort, startLocalCache } from '../src/index.ts'

const runs = Number(process.argv[2] ?? 11)
const shape = {
  logicalId: 'Cache',
  cacheName: 'bench-cache',
  serverless: false,
  clusterMode: false,
  transitEncryption: true,
  users: [
    {
      userId: 'bench-user',
      userName: 'bench-user',
      accessString: 'on ~* -@all +get +set',
      authentication: 'iam',
      passwords: [],
    },
  ],
}
const credentials = { accessKeyId: 'ASIABENCHNOTSECRET', secretAccessKey: 'bench-secret-not-a-secret' }
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

const startMs = async (replicas) => {
  const began = performance.now()
  const cache = await startLocalCache({
    shape: { ...shape, replicas },
    port: await freePort(),
    region: 'eu-west-1',
    credentials,
  })
  const ms = performance.now() - began
  if (cache.replicas !== replicas) throw new Error(`asked for ${replicas} replicas, got ${cache.replicas}`)
  await cache.stop()
  return ms
}

const results = { 0: [], 1: [] }
await startMs(1) // unmeasured: loads the modules, warms the page cache for redis-server
for (let i = 0; i < runs; i++) {
  for (const replicas of [1, 0]) results[replicas].push(await startMs(replicas))
}
console.log(`node ${process.version}, ${runs} alternating runs of each`)
for (const replicas of [0, 1]) {
  const list = results[replicas]
  console.log(
    `${replicas} replica(s): ${list.map((ms) => ms.toFixed(0)).join(', ')} ms   median ${median(list).toFixed(0)} ms`,
  )
}
const ratios = results[1].map((ms, i) => ms - results[0][i])
console.log(
  `the replica adds (paired runs): ${ratios.map((ms) => ms.toFixed(0)).join(', ')} ms   median ${median(ratios).toFixed(0)} ms`,
)
