// API Gateway's resource matching: a literal path part beats `{param}`, which beats `{proxy+}`; a greedy
// parameter takes one or more remaining parts. Matching is case-sensitive.

import type { MethodModel, ResourceNode } from '../template/api-model.js'

export interface RouteMatch {
  node: ResourceNode
  /** Percent-decoded path parameter values, `null` when the resource has none (as in the event). */
  pathParameters: Record<string, string> | null
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return part
  }
}

function walk(
  node: ResourceNode,
  parts: string[],
  index: number,
  params: Record<string, string>,
): ResourceNode | undefined {
  if (index === parts.length) return node
  const part = parts[index] as string
  const literal = node.literal.get(part)
  if (literal) {
    const found = walk(literal, parts, index + 1, params)
    if (found) return found
  }
  if (node.param && part !== '') {
    params[node.param.name] = decode(part)
    const found = walk(node.param.node, parts, index + 1, params)
    if (found) return found
    delete params[node.param.name]
  }
  if (node.greedy && index < parts.length) {
    params[node.greedy.name] = parts.slice(index).map(decode).join('/')
    return node.greedy.node
  }
  return undefined
}

/** `path` is what follows the stage, e.g. `/cubewalkblocks/w/chunks/1,2,3` or `/`. */
export function matchResource(root: ResourceNode, path: string): RouteMatch | undefined {
  // A trailing slash names the same resource.
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path
  const parts = trimmed === '/' || trimmed === '' ? [] : trimmed.slice(1).split('/')
  const params: Record<string, string> = {}
  const node = walk(root, parts, 0, params)
  if (!node) return undefined
  return { node, pathParameters: Object.keys(params).length > 0 ? params : null }
}

export function methodFor(node: ResourceNode, httpMethod: string): MethodModel | undefined {
  return node.methods.get(httpMethod) ?? node.methods.get('ANY')
}
