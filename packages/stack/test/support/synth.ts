import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Template } from 'aws-cdk-lib/assertions'
import type { CloudAssembly } from 'aws-cdk-lib/cx-api'
import { type CubewalkAppOptions, createCubewalkApp } from '../../src/app.js'
import type { CubewalkStack } from '../../src/cubewalk-stack.js'

export interface Synthesized {
  readonly stack: CubewalkStack
  readonly assembly: CloudAssembly
  readonly template: Template
  /** The raw template, for checks across every resource. */
  readonly json: TemplateJson
  readonly outdir: string
  /** The cdk-nag / policy validation report of the synth. */
  readonly validationReport: ValidationReport
  /** Removes the cloud assembly directory. */
  readonly dispose: () => void
}

export interface TemplateJson {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown>; DependsOn?: string[] }>
  Outputs?: Record<string, { Value: unknown; Description?: string }>
}

export interface ValidationReport {
  pluginReports: Array<{ pluginName: string; violations: Array<{ ruleName: string }> }>
}

/**
 * Synthesizes the real app the way `cdk synth` does, but offline and hermetic: no AWS credentials or region in the
 * environment (so nothing can be looked up and the stack must be environment-agnostic), and a Docker command that
 * does not exist, so a fallback from local esbuild to Docker bundling fails loudly instead of silently running.
 */
export const synthesize = (options: Omit<CubewalkAppOptions, 'outdir'> = {}): Synthesized => {
  const saved = { ...process.env }
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('AWS_') || name.startsWith('CDK_')) delete process.env[name]
  }
  process.env.CDK_DOCKER = '/nonexistent/docker-must-not-be-used-by-cubewalk-tests'
  const outdir = mkdtempSync(join(tmpdir(), 'cubewalk-synth-'))
  try {
    const { app, stack } = createCubewalkApp({ ...options, outdir })
    const assembly = app.synth()
    const artifact = assembly.getStackByName(stack.stackName)
    const json = artifact.template as TemplateJson
    const validationReport = JSON.parse(
      readFileSync(join(outdir, 'validation-report.json'), 'utf8'),
    ) as ValidationReport
    return {
      stack,
      assembly,
      template: Template.fromJSON(json as unknown as Record<string, unknown>),
      json,
      outdir,
      validationReport,
      dispose: () => rmSync(outdir, { recursive: true, force: true }),
    }
  } finally {
    for (const name of Object.keys(process.env)) {
      if (!(name in saved)) delete process.env[name]
    }
    Object.assign(process.env, saved)
  }
}

/** Resources of one type, by logical id. */
export const resourcesOfType = (
  json: TemplateJson,
  type: string,
): Array<[string, { Type: string; Properties?: Record<string, unknown> }]> =>
  Object.entries(json.Resources).filter(([, resource]) => resource.Type === type)

/** Every `Ref` / `Fn::GetAtt` target inside a value, to check what a property points at. */
export const referencedIds = (value: unknown): string[] => {
  if (Array.isArray(value)) return value.flatMap(referencedIds)
  if (typeof value !== 'object' || value === null) return []
  const record = value as Record<string, unknown>
  if (typeof record.Ref === 'string') return [record.Ref]
  const getAtt = record['Fn::GetAtt']
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]]
  return Object.values(record).flatMap(referencedIds)
}
