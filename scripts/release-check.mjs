// `npm run release:check`: what `npm publish` would upload for @cubewalk/middleware, checked before any release
// and in CI (.ci/run). It builds the package, runs `npm publish --dry-run` (packs exactly as a publish does but
// uploads nothing; it needs no login, and passes with the registry unreachable), then checks the tarball's file list,
// the manifest fields a trusted release needs (repository with its directory, homepage, bugs, public access,
// provenance) and the pending changesets. Prints one line per problem and exits 1 if there is any.
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, realpathSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
export const packageName = '@cubewalk/middleware'
const packageDir = join(repoRoot, 'packages', 'middleware')
/** The owner in repository/homepage/bugs until the package has a public home; a real publish must replace it. */
export const placeholderOwner = 'REPLACE_WITH_OWNER'

const alwaysShipped = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']

/**
 * Problems with a packed package: `files` are the tarball's paths, `manifest` its package.json, `changelog` the
 * CHANGELOG.md text, `changesets` the front matter package names of every pending changeset. Empty when fine.
 */
export function releaseProblems({ manifest, files, changelog, changesets, directory }) {
  const problems = []
  const unexpected = files.filter(
    (path) =>
      !alwaysShipped.includes(path) &&
      !(/^dist\/.+\.(js|d\.ts)$/.test(path) && !/\.(test|spec|bench)\./.test(path)),
  )
  if (unexpected.length > 0) problems.push(`unexpected files in the tarball: ${unexpected.join(', ')}`)
  for (const path of alwaysShipped) {
    if (!files.includes(path)) problems.push(`${path} is missing from the tarball`)
  }
  for (const path of files.filter((file) => file.endsWith('.js'))) {
    if (!files.includes(path.replace(/\.js$/, '.d.ts'))) problems.push(`${path} has no .d.ts beside it`)
  }
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    const targets = typeof target === 'string' ? [target] : Object.values(target)
    for (const file of targets) {
      if (!files.includes(file.replace(/^\.\//, '')))
        problems.push(`export ${subpath} → ${file} is not in the tarball`)
    }
  }

  const repository = manifest.repository ?? {}
  const github = /^git\+https:\/\/github\.com\/([^/]+)\/([^/]+)\.git$/.exec(repository.url ?? '')
  if (repository.type !== 'git' || !github) {
    problems.push('repository must be { type: "git", url: "git+https://github.com/<owner>/<repo>.git" }')
  } else {
    const web = `https://github.com/${github[1]}/${github[2]}`
    if (repository.directory !== directory)
      problems.push(`repository.directory must be ${directory}, is ${repository.directory}`)
    if (!String(manifest.homepage ?? '').startsWith(`${web}/`))
      problems.push(`homepage must be a page of ${web}`)
    if (manifest.bugs?.url !== `${web}/issues`) problems.push(`bugs.url must be ${web}/issues`)
  }
  if (manifest.publishConfig?.access !== 'public') problems.push('publishConfig.access must be "public"')
  if (manifest.publishConfig?.provenance !== true) problems.push('publishConfig.provenance must be true')
  if (manifest.private === true) problems.push('the package is private')
  if (!changelog.startsWith(`# ${manifest.name}\n`))
    problems.push(`CHANGELOG.md must start with "# ${manifest.name}"`)

  for (const names of changesets) {
    const others = names.filter((name) => name !== manifest.name)
    if (others.length > 0) problems.push(`a changeset names unpublished packages: ${others.join(', ')}`)
  }
  return problems
}

/** The package names in the front matter of each pending changeset (`'name': bump` lines). */
export function pendingChangesets(dir = join(repoRoot, '.changeset')) {
  return readdirSync(dir)
    .filter((file) => file.endsWith('.md') && file !== 'README.md')
    .map((file) => {
      const front = /^---\n([\s\S]*?)\n---/.exec(readFileSync(join(dir, file), 'utf8'))?.[1] ?? ''
      return [...front.matchAll(/^\s*["']?([^"':]+)["']?\s*:\s*(patch|minor|major)\s*$/gm)].map((m) => m[1])
    })
}

function main() {
  const run = (args) =>
    execFileSync('npm', args, { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })
  // The build `prepack` would run, first and on its own, so that stdout below is only npm's JSON.
  run(['run', 'build', '--silent', '-w', packageName])
  const out = run([
    'publish',
    '--dry-run',
    '--json',
    '--ignore-scripts',
    '--loglevel=error',
    '-w',
    packageName,
  ])
  const packed = JSON.parse(out)[packageName]
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'))
  const files = packed.files.map((file) => file.path).sort()
  const problems = releaseProblems({
    manifest,
    files,
    changelog: readFileSync(join(packageDir, 'CHANGELOG.md'), 'utf8'),
    changesets: pendingChangesets(),
    directory: relative(repoRoot, packageDir),
  })
  if (packed.version !== manifest.version)
    problems.push(`packed ${packed.version}, manifest ${manifest.version}`)
  const pending = pendingChangesets().length
  console.log(
    `${packed.id}: ${files.length} files, ${packed.size} bytes packed, ${packed.unpackedSize} unpacked; ${pending} pending changeset${pending === 1 ? '' : 's'}`,
  )
  if (manifest.repository?.url?.includes(placeholderOwner)) {
    console.log(
      `note: repository, homepage and bugs name the placeholder owner ${placeholderOwner}; set the real GitHub repository before the first publish (provenance checks repository.url against it)`,
    )
  }
  for (const problem of problems) console.error(`release check: ${problem}`)
  if (problems.length > 0) process.exit(1)
  console.log('release check: ok')
}

if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) main()
