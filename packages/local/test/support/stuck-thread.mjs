// A runner's thread that gets stuck, for stuck-watchdog.test.ts: starts the watchdog (limit 1 s), then runs
// fixtures/spin/busy.mjs, which never returns. `node stuck-thread.mjs <functions code dir>`: the watchdog
// names the function whose code dir holds the stuck frame.
await import('../../bin/ts-resolve.mjs')
const { startStuckWatchdog } = await import('../../src/lambda/hosts/stuck-watchdog.ts')
const { spinForever } = await import('../fixtures/spin/busy.mjs')

startStuckWatchdog({
  limitMs: 1_000,
  checkMs: 25,
  functions: [{ name: 'Spinner', codeDir: process.argv[2] }],
  command: 'stuck-test',
})
// Let the watchdog thread start before the thread stops turning its event loop.
setTimeout(spinForever, 200)
