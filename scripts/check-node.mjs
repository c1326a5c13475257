// Runs before `npm ci`/`npm install` so an old Node fails with advice instead of a wall of engine warnings.
const [major, minor] = process.versions.node.split('.').map(Number)
// 22.18: TypeScript type stripping on by default and module.registerHooks, which npm start and cdk synth use.
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `\ncubewalk needs Node >= 22.18 (Node 24 recommended, see .nvmrc); this is Node ${process.versions.node}.\n` +
      'Install Node 24, or on Linux x64 run:  . scripts/use-node.sh  (fetches Node 24 from the npm registry into ~/.cache)\n',
  )
  process.exit(1)
}
