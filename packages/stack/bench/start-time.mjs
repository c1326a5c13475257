// `npm start` until it is ready (the banner's last line printed), with and without the synth cache: alternating
// runs of `bin/start.mjs --force-synth` (a full `cdk synth`) and `bin/start.mjs` (sources unchanged: cdk.out
// reused). `node bench/start-time.mjs [runs]`, default 5 of each. Each run is stopped with SIGTERM once ready.
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const stackDir = fileURLToPath(new URL('../', import.meta.url))
const runs = Number(process.argv[2] ?? 5)

function timeStart(extra) {
  return new Promise((resolve, reject) => {
    const began = performance.now()
    const child = spawn(process.execPath, ['bin/start.mjs', '--port', '0', '--quiet-functions', ...extra], {
      cwd: stackDir,
      env: { ...process.env, REDIS_URL: '', PORT: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    let readyMs
    const onData = (chunk) => {
      output += chunk.toString()
      if (readyMs === undefined && output.includes('Ctrl-C stops everything.')) {
        readyMs = performance.now() - began
        child.kill('SIGTERM')
      }
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    child.once('exit', (code) => {
      if (readyMs === undefined) reject(new Error(`npm start exited ${code} before ready:\n${output}`))
      else resolve({ ms: readyMs, reused: output.includes('reusing cdk.out') })
    })
  })
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const synthMs = []
const cachedMs = []
for (let i = 0; i < runs; i++) {
  const fresh = await timeStart(['--force-synth'])
  if (fresh.reused) throw new Error('--force-synth reused cdk.out')
  synthMs.push(fresh.ms)
  const cached = await timeStart([])
  if (!cached.reused) throw new Error('an unchanged start did not reuse cdk.out')
  cachedMs.push(cached.ms)
}
const show = (values) => values.map((ms) => (ms / 1000).toFixed(2)).join(', ')
console.log(`node ${process.version}, ${runs} alternating runs of each, seconds to ready`)
console.log(
  `with cdk synth (--force-synth): ${show(synthMs)}   median ${(median(synthMs) / 1000).toFixed(2)} s`,
)
console.log(
  `synth cache hit:                ${show(cachedMs)}   median ${(median(cachedMs) / 1000).toFixed(2)} s`,
)
