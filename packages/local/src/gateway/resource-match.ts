// API Gateway's resource matching: a literal path part beats `{param}`, which beats `{proxy+}`; a greedy
// parameter takes one or more remaining parts. Matching is case-sensitive. Empty path parts (`//`, a trailing
// slash) name no resource level: `/prod//cubewalkblocks/` is `/cubewalkblocks`. Path parameters are the
// parts as the client sent them, still percent-encoded: REST APIs do not decode them (recorded against AWS:
// `/api/test%2Balias@x` gives `{"proxy":"api/test%2Balias@x"}`), which is why middy has
// @middy/http-urlencode-path-parser. The function decodes them, once.

import type { MethodModel, ResourceNode } from '../template/api-model.js'
import { inputMap } from './proxy-event.js'

export interface RouteMatch {
  node: ResourceNode
  /** Path parameter values as sent (not percent-decoded), `null` when the resource has none (as in the event). */
  pathParameters: Record<string, string> | null
  /** The request path without empty parts, still percent-encoded: what invoke permissions are checked against. */
  normalizedPath: string
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
    params[node.param.name] = part
    const found = walk(node.param.node, parts, index + 1, params)
    if (found) return found
    delete params[node.param.name]
  }
  if (node.greedy && index < parts.length) {
    params[node.greedy.name] = parts.slice(index).join('/')
    return node.greedy.node
  }
  return undefined
}

/** `path` is what follows the stage, e.g. `/cubewalkblocks/w/chunks/1,2,3` or `/`. */
export function matchResource(root: ResourceNode, path: string): RouteMatch | undefined {
  const parts = path.split('/').filter((part) => part !== '')
  // Names come from the template, values from the request: a prototype-free map either way.
  const params = inputMap<string>()
  const node = walk(root, parts, 0, params)
  if (!node) return undefined
  return {
    node,
    pathParameters: Object.keys(params).length > 0 ? params : null,
    normalizedPath: `/${parts.join('/')}`,
  }
}

export function methodFor(node: ResourceNode, httpMethod: string): MethodModel | undefined {
  return node.methods.get(httpMethod) ?? node.methods.get('ANY')
}
