// `node bench/bundle-size.bench.mjs` (after `npm run build`): bytes of an authorizer-only and a pool-only
// consumer, bundled with the README's recipe (esbuild, ESM, minified, @aws-sdk/* external) from the built
// package, once through its subpath entry and once through the root entry, plus gzip bytes (the zip Lambda
// loads). Prints the markdown rows docs/benchmarks.md records.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'esbuild'

const middlewareDir = fileURLToPath(new URL('..', import.meta.url))
const consumers = {
  'authorizer only': (from) => `import { tokenAuthorizer } from '${from}'
import middy from '@middy/core'
export const handler = middy().use(tokenAuthorizer({ tokens: { game: 'test-token-not-secret' } }))`,
  'pool only': (from) => `import { redisPool } from '${from}'
import middy from '@middy/core'
export const handler = middy().use(redisPool({ url: process.env.REDIS_URL })).handler((_e, c) => c.redis.ping())`,
  'pool with IAM auth': (from, iamFrom) => `import { redisPool } from '${from}'
import { elastiCacheIamAuth } from '${iamFrom}'
import middy from '@middy/core'
const userId = 'cubewalk-blocks'
export const handler = middy()
  .use(redisPool({ url: process.env.REDIS_URL, username: userId, password: elastiCacheIamAuth({ cacheName: 'c', userId }) }))
  .handler((_e, c) => c.redis.ping())`,
}
const subpath = {
  'authorizer only': 'token-authorizer',
  'pool only': 'redis-pool',
  'pool with IAM auth': 'redis-pool',
}

const dir = mkdtempSync(join(tmpdir(), 'cubewalk-bundle-size-'))
try {
  // The workspace's node_modules (middy, ioredis) through a link; @cubewalk/middleware resolves to the build.
  symlinkSync(join(middlewareDir, '..', '..', 'node_modules'), join(dir, 'node_modules'))
  console.log('| consumer | entry | bundle bytes | gzip bytes | needs ioredis installed to build |')
  console.log('| --- | --- | ---: | ---: | --- |')
  for (const [name, source] of Object.entries(consumers)) {
    for (const entry of [`@cubewalk/middleware/${subpath[name]}`, '@cubewalk/middleware']) {
      const iamEntry = entry === '@cubewalk/middleware' ? entry : '@cubewalk/middleware/elasticache-iam'
      const file = join(dir, 'entry.mjs')
      writeFileSync(file, source(entry, iamEntry))
      const result = await build({
        entryPoints: [file],
        bundle: true,
        platform: 'node',
        target: 'node24',
        format: 'esm',
        minify: true,
        external: ['@aws-sdk/*'],
        write: false,
        metafile: true,
        logLevel: 'silent',
      })
      const code = result.outputFiles[0].contents
      const ioredis = Object.keys(result.metafile.inputs).some((input) => input.includes('ioredis'))
      console.log(
        `| ${name} | \`${entry}\` | ${code.length} | ${gzipSync(code).length} | ${ioredis ? 'yes' : 'no'} |`,
      )
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
