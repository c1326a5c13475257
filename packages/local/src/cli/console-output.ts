// What `npm start` prints: the request log (one line per call) and Lambda-style REPORT lines, written in
// batches so logging never becomes the bottleneck under load.

import type { RequestRecord } from '../gateway/server.js'
import type { InvocationReport } from '../lambda/lambda-pool.js'
import type { RestApiModel } from '../template/api-model.js'

export function formatRequest(record: RequestRecord): string {
  const ms = record.ms < 10 ? record.ms.toFixed(1) : Math.round(record.ms).toString()
  const parts = [`${record.method} ${record.path} → ${record.status} in ${ms} ms`]
  if (record.integration !== 'none') parts.push(record.integration)
  if (record.authorizer !== 'none')
    parts.push(`authorizer: ${record.authorizer === 'cache' ? 'cached' : record.authorizer}`)
  if (record.reason) parts.push(`gateway: ${record.reason}`)
  return parts.join('  ')
}

/** Lambda's REPORT line, with the function name in front since several functions share one terminal. */
export function formatReport(report: InvocationReport): string {
  const fields = [
    `REPORT ${report.functionName} #${report.instance}`,
    `RequestId: ${report.requestId}`,
    `Duration: ${report.durationMs.toFixed(2)} ms`,
    `Billed Duration: ${Math.max(1, Math.ceil(report.durationMs))} ms`,
    `Memory Size: ${report.memoryMb} MB`,
  ]
  if (report.initMs !== undefined) fields.push(`Init Duration: ${report.initMs.toFixed(2)} ms`)
  if (report.status !== 'success') fields.push(`Status: ${report.status}`)
  return fields.join('\t')
}

/** `GET  /prod/cubewalkblocks/{world}/chunks/{coords}` for every method of every stage. */
export function listRoutes(api: RestApiModel, stage: string): string[] {
  const lines: string[] = []
  const visit = (node: RestApiModel['root']) => {
    const methods = [...node.methods.keys()].filter((m) => m !== 'OPTIONS').sort()
    if (methods.length > 0)
      lines.push(`${methods.join('|').padEnd(22)} /${stage}${node.path === '/' ? '/' : node.path}`)
    for (const child of [...node.literal.values()].sort((a, b) => a.path.localeCompare(b.path))) visit(child)
    if (node.param) visit(node.param.node)
    if (node.greedy) visit(node.greedy.node)
  }
  visit(api.root)
  return lines
}

/** The path of a GET that needs no path parameters, preferring one behind an authorizer (the seed's curl). */
export function exampleGetPath(api: RestApiModel): string | undefined {
  const candidates: Array<{ path: string; authorized: boolean }> = []
  const visit = (node: RestApiModel['root']) => {
    const get = node.methods.get('GET')
    if (get && !node.path.includes('{'))
      candidates.push({ path: node.path, authorized: get.authorizationType === 'CUSTOM' })
    for (const child of node.literal.values()) visit(child)
  }
  visit(api.root)
  candidates.sort((a, b) => Number(b.authorized) - Number(a.authorized) || a.path.localeCompare(b.path))
  return candidates[0]?.path
}

/** Collects lines and writes them once per event-loop turn. */
export class BatchedWriter {
  private buffer: string[] = []
  private scheduled = false
  private readonly stream: NodeJS.WritableStream

  constructor(stream: NodeJS.WritableStream) {
    this.stream = stream
  }

  line(text: string): void {
    this.buffer.push(text)
    if (this.scheduled) return
    this.scheduled = true
    setImmediate(() => this.flush())
  }

  flush(): void {
    this.scheduled = false
    if (this.buffer.length === 0) return
    const text = `${this.buffer.join('\n')}\n`
    this.buffer = []
    this.stream.write(text)
  }
}
