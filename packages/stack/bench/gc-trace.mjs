// What survives young-generation GCs, for the benches that look at it (module-copies.mjs, closure-copies.mjs):
// measureTraced runs a measuring child under V8's --trace-gc-nvp and sums the GCs of its measured window, which
// the child marks with runMeasuredWindow (`measure:start`, then `measure:end <calls per second>` on stdout).
import { spawn } from 'node:child_process'

export function measureTraced(args, { cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--trace-gc-nvp', ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited with ${code}`))
      const lines = out.split('\n')
      const start = lines.indexOf('measure:start')
      const end = lines.findIndex((line) => line.startsWith('measure:end '))
      if (start < 0 || end < 0) return reject(new Error(`${args.join(' ')} printed no measurement`))
      const window = lines.slice(start + 1, end)
      const field = (line, name) => Number(new RegExp(`\\b${name}=(\\d+)`).exec(line)?.[1] ?? 0)
      const scavenges = window.filter((line) => /\bgc=s\b/.test(line))
      const total = (name) => scavenges.reduce((sum, line) => sum + field(line, name), 0)
      resolve({
        callsPerSecond: Number(lines[end].split(' ')[1]),
        scavenges: scavenges.length,
        promotedKbPerScavenge: Math.round(total('promoted') / scavenges.length / 1024),
        // The young generation grows when much survives, so also the window's total.
        promotedMbInAll: Math.round(total('promoted') / 2 ** 20),
        survivedKbPerScavenge: Math.round(total('new_space_survived') / scavenges.length / 1024),
        markCompacts: window.filter((line) => /\bgc=mc\b/.test(line)).length,
      })
    })
  })
}

/**
 * The child's side: keeps `inFlight` calls of `call(n)` going (n counts calls) for a warm-up, then for the
 * measured window, which it marks on stdout for {@link measureTraced}.
 */
export async function runMeasuredWindow(call, { inFlight, warmupSeconds, seconds }) {
  let calls = 0
  let stopped = false
  const loop = async () => {
    while (!stopped) {
      await call(calls)
      calls++
    }
  }
  const run = async (duration) => {
    stopped = false
    calls = 0
    const timer = setTimeout(() => {
      stopped = true
    }, duration * 1000)
    const started = performance.now()
    await Promise.all(Array.from({ length: inFlight }, loop))
    clearTimeout(timer)
    return Math.round((calls * 1000) / (performance.now() - started))
  }
  await run(warmupSeconds)
  process.stdout.write('measure:start\n')
  const callsPerSecond = await run(seconds)
  process.stdout.write(`measure:end ${callsPerSecond}\n`)
}
