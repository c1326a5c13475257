// The command line with an app that declares its synth inputs (as packages/stack/bin/start.mjs does), for
// cli.test.ts: `node synth-cache-cli.mjs <app-dir> [options]`. The app's synth inputs are its `src` directory.
await import('../../bin/ts-resolve.mjs')
const { main } = await import('../../src/cli/main.ts')

const [appDir, ...argv] = process.argv.slice(2)
process.exit(
  await main(argv, { command: 'synth-cache-cli', cdkAppDir: appDir, synthInputs: { paths: ['src'] } }),
)
