// The import graph the packages promise (docs/local.md, README): @cubewalk/local stands apart, importing no other
// cubewalk package, and every workspace (benches and tests included) reaches the others only by their names, each
// one declared in its package.json. A relative path out of a package (`../../handlers/src/...`) or an undeclared package fails here.

import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const SOURCE = /\.(ts|mts|cts|mjs|cjs|js)$/

function sourceFiles(dir: string): string[] {
  const files: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'cdk.out' || entry.name.startsWith('dist')) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) files.push(...sourceFiles(path))
    else if (SOURCE.test(entry.name)) files.push(path)
  }
  return files
}

/** Every module specifier a file loads: static imports and re-exports, import(), require(). */
function specifiers(code: string): string[] {
  const found: string[] = []
  const patterns = [
    /^\s*(?:import|export)\s[^'"`]*?\sfrom\s+['"]([^'"]+)['"]/gm,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.push(match[1] as string)
  return found
}

interface Import {
  file: string
  specifier: string
}

function importsOf(packageDir: string): Import[] {
  return sourceFiles(packageDir).flatMap((file) =>
    specifiers(readFileSync(file, 'utf8')).map((specifier) => ({
      file: relative(repoRoot, file),
      specifier,
    })),
  )
}

/** Relative imports that resolve outside the package's own directory. */
function leavingPackage(packageDir: string, imports: Import[]): Import[] {
  return imports.filter(({ file, specifier }) => {
    if (!specifier.startsWith('.')) return false
    const target = resolve(repoRoot, file, '..', specifier)
    return !`${target}${sep}`.startsWith(`${packageDir}${sep}`)
  })
}

function declared(packageDir: string): Set<string> {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as Record<
    string,
    Record<string, string> | string
  >
  const names = new Set<string>([String(manifest.name)])
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
    const deps = manifest[field]
    if (typeof deps === 'object') for (const name of Object.keys(deps)) names.add(name)
  }
  return names
}

const cubewalkPackage = (specifier: string) => /^@cubewalk\/[^/]+/.exec(specifier)?.[0]

describe('package imports', () => {
  const localDir = join(repoRoot, 'packages', 'local')
  const stackDir = join(repoRoot, 'packages', 'stack')

  it('@cubewalk/local imports no other cubewalk package, by name or by path', () => {
    const imports = importsOf(localDir)
    expect(imports.length).toBeGreaterThan(50)
    const others = imports.filter(({ specifier }) => {
      const name = cubewalkPackage(specifier)
      return name !== undefined && name !== '@cubewalk/local'
    })
    expect(others).toEqual([])
    expect(leavingPackage(localDir, imports)).toEqual([])
  })

  const workspaces = [
    'packages/middleware',
    'packages/handlers',
    'packages/local',
    'packages/stack',
    'tools/redis-harness',
  ]

  it.each(workspaces)(
    '%s reaches other packages by name only, each declared in its package.json',
    (workspace) => {
      const dir = join(repoRoot, workspace)
      const imports = importsOf(dir)
      expect(imports.length).toBeGreaterThan(5)
      expect(leavingPackage(dir, imports)).toEqual([])
      const names = declared(dir)
      const undeclared = imports.filter(({ specifier }) => {
        const name = cubewalkPackage(specifier)
        return name !== undefined && !names.has(name)
      })
      expect(undeclared).toEqual([])
    },
  )

  it('the stack serves itself through @cubewalk/local', () => {
    expect(importsOf(stackDir).some(({ specifier }) => specifier.startsWith('@cubewalk/local'))).toBe(true)
  })
})
