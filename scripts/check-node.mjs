// Runs before `npm ci`/`npm install` so an old Node fails with advice instead of a wall of engine warnings.
const major = Number(process.versions.node.split('.')[0])
if (major < 22) {
  console.error(
    `\ncubewalk needs Node >= 22 (Node 24 recommended, see .nvmrc); this is Node ${process.versions.node}.\n` +
      'Install Node 24, or on Linux x64 run:  . scripts/use-node.sh  (fetches Node 24 from the npm registry into ~/.cache)\n',
  )
  process.exit(1)
}
