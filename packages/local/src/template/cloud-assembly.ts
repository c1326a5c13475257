// Reads a CDK cloud assembly (the `cdk.out` directory `cdk synth` writes): manifest.json, the stack
// templates and the asset manifests that say where each bundled Lambda asset lives on disk.

import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type CfnTemplate, isRecord, type StackArtifact } from './template-types.js'

interface ManifestArtifact {
  type?: string
  /** Construct path -> metadata entries; or in `additionalMetadataFile`. */
  metadata?: Record<string, unknown>
  additionalMetadataFile?: string
  /** `aws://<account>/<region>`, with `unknown-account` / `unknown-region` for an environment-agnostic stack. */
  environment?: string
  properties?: Record<string, unknown>
  displayName?: string
  dependencies?: string[]
}

export class CloudAssemblyError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CloudAssemblyError'
  }
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new CloudAssemblyError(`cannot read ${file}: ${(error as Error).message}`)
  }
}

function artifactsOf(assemblyDir: string): Record<string, ManifestArtifact> {
  const manifestFile = join(assemblyDir, 'manifest.json')
  if (!existsSync(manifestFile)) {
    throw new CloudAssemblyError(
      `${assemblyDir} is not a cloud assembly (no manifest.json). Run \`cdk synth\` first, or start without --no-synth.`,
    )
  }
  const manifest = readJson(manifestFile)
  if (!isRecord(manifest) || !isRecord(manifest.artifacts)) return {}
  return manifest.artifacts as Record<string, ManifestArtifact>
}

function fileAssetsOf(assemblyDir: string, artifacts: Record<string, ManifestArtifact>): Map<string, string> {
  const assets = new Map<string, string>()
  for (const artifact of Object.values(artifacts)) {
    if (artifact.type !== 'cdk:asset-manifest') continue
    const file = artifact.properties?.file
    if (typeof file !== 'string') continue
    const manifest = readJson(join(assemblyDir, file))
    if (!isRecord(manifest) || !isRecord(manifest.files)) continue
    for (const [hash, entry] of Object.entries(manifest.files)) {
      const source = isRecord(entry) && isRecord(entry.source) ? entry.source : undefined
      if (typeof source?.path === 'string') assets.set(hash, resolve(assemblyDir, source.path))
    }
  }
  return assets
}

/** The concrete parts of an artifact's `aws://account/region`: literal ARNs in the template carry them. */
function environmentOf(artifact: ManifestArtifact): StackArtifact['environment'] {
  const match = /^aws:\/\/([^/]+)\/([^/]+)$/.exec(artifact.environment ?? '')
  if (!match) return {}
  const [, account, region] = match as unknown as [string, string, string]
  return {
    ...(/^\d{12}$/.test(account) ? { accountId: account } : {}),
    ...(region !== 'unknown-region' ? { region } : {}),
  }
}

/**
 * Which construct each resource comes from: CDK records `aws:cdk:logicalId` entries per construct path in the
 * manifest (or the stack's metadata file), with or without path metadata in the template.
 */
function constructPathsOf(dir: string, artifact: ManifestArtifact): Map<string, string> {
  const paths = new Map<string, string>()
  let metadata: unknown = artifact.metadata
  if (artifact.additionalMetadataFile) {
    const file = join(dir, artifact.additionalMetadataFile)
    if (existsSync(file)) metadata = readJson(file)
  }
  if (!isRecord(metadata)) return paths
  for (const [path, entries] of Object.entries(metadata)) {
    if (!Array.isArray(entries)) continue
    for (const entry of entries) {
      if (isRecord(entry) && entry.type === 'aws:cdk:logicalId' && typeof entry.data === 'string')
        paths.set(entry.data, path.replace(/^\//, ''))
    }
  }
  return paths
}

/** Every stack of the assembly, nested assemblies (CDK stages) included. */
export function listStacks(assemblyDir: string): StackArtifact[] {
  const dir = resolve(assemblyDir)
  const artifacts = artifactsOf(dir)
  const stacks: StackArtifact[] = []
  let fileAssets: Map<string, string> | undefined
  for (const [artifactId, artifact] of Object.entries(artifacts)) {
    if (artifact.type === 'cdk:cloud-assembly') {
      const nested = artifact.properties?.directoryName
      if (typeof nested === 'string') stacks.push(...listStacks(join(dir, nested)))
      continue
    }
    if (artifact.type !== 'aws:cloudformation:stack') continue
    const templateFile = artifact.properties?.templateFile
    if (typeof templateFile !== 'string') continue
    const template = readJson(join(dir, templateFile)) as CfnTemplate
    if (!isRecord(template.Resources)) throw new CloudAssemblyError(`${templateFile} has no Resources`)
    fileAssets ??= fileAssetsOf(dir, artifacts)
    const stackName =
      typeof artifact.properties?.stackName === 'string' ? artifact.properties.stackName : artifactId
    stacks.push({
      assemblyDir: dir,
      artifactId,
      stackName,
      template,
      fileAssets,
      environment: environmentOf(artifact),
      constructPaths: constructPathsOf(dir, artifact),
    })
  }
  return stacks
}

function hasRestApi(stack: StackArtifact): boolean {
  return Object.values(stack.template.Resources).some((r) => r.Type === 'AWS::ApiGateway::RestApi')
}

/**
 * The stack to serve: the one named (artifact id, stack name or display path), else the only stack that
 * declares a REST API.
 */
export function loadStack(assemblyDir: string, stackName?: string): StackArtifact {
  const stacks = listStacks(assemblyDir)
  if (stackName) {
    const found = stacks.find((s) => s.stackName === stackName || s.artifactId === stackName)
    if (!found) {
      throw new CloudAssemblyError(
        `stack "${stackName}" not found in ${assemblyDir}; stacks: ${stacks.map((s) => s.stackName).join(', ') || 'none'}`,
      )
    }
    return found
  }
  const withApi = stacks.filter(hasRestApi)
  if (withApi.length === 1) return withApi[0] as StackArtifact
  if (withApi.length === 0) {
    throw new CloudAssemblyError(`no stack in ${assemblyDir} declares an AWS::ApiGateway::RestApi`)
  }
  throw new CloudAssemblyError(
    `several stacks declare a REST API (${withApi.map((s) => s.stackName).join(', ')}); choose one with --stack`,
  )
}
