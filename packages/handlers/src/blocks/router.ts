// The blocks API routes (the table in DESIGN.md). One Lambda serves them all, so one warm Redis connection
// serves every route. Path parameters are named `world` and `chunk`; when API Gateway sends pathParameters of
// its own (resources like /cubewalkblocks/{world}/chunks/{chunk}) the router keeps them, and with a greedy
// /cubewalkblocks/{proxy+} resource the router's own matches fill them in.
import httpRouterHandler, { type Route } from '@middy/http-router'
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda'
import { clientError } from './errors.js'
import { withJsonBody } from './json-body.js'
import { deleteChunk } from './routes/delete-chunk.js'
import { getChunk } from './routes/get-chunk.js'
import { getChunks } from './routes/get-chunks.js'
import { listWorlds } from './routes/list-worlds.js'
import { patchChunk } from './routes/patch-chunk.js'
import { putChunk } from './routes/put-chunk.js'
import { quote } from './validate.js'

const chunkPath = '/cubewalkblocks/{world}/chunks/{chunk}'

// The router's Route type wants a proxy result; routes returning plain data rely on jsonResponse to shape it.
type AnyRoute = Route<APIGatewayProxyEvent, APIGatewayProxyResult>['handler']
const route = (
  method: Route<APIGatewayProxyEvent, APIGatewayProxyResult>['method'],
  path: string,
  handler: unknown,
) => ({
  method,
  path,
  handler: handler as AnyRoute,
})

export const routes = [
  route('GET', '/cubewalkblocks', listWorlds),
  route('GET', '/cubewalkblocks/{world}/chunks', getChunks),
  route('GET', chunkPath, getChunk),
  route('PUT', chunkPath, withJsonBody(putChunk)),
  route('PATCH', chunkPath, withJsonBody(patchChunk)),
  route('DELETE', chunkPath, deleteChunk),
]

// Which methods a known path shape allows, for 405 + Allow instead of a misleading 404.
const shapes: Array<[RegExp, string]> = [
  [/^\/cubewalkblocks\/?$/, 'GET, OPTIONS'],
  [/^\/cubewalkblocks\/[^/]+\/chunks\/?$/, 'GET, OPTIONS'],
  [/^\/cubewalkblocks\/[^/]+\/chunks\/[^/]+\/?$/, 'GET, PUT, PATCH, DELETE, OPTIONS'],
]

const routeNotFound = ({ method, path }: { method: string; path: string }): never => {
  const allow = shapes.find(([shape]) => shape.test(path))?.[1]
  if (allow) throw clientError(405, `Method Not Allowed: ${method} is not supported here`, { Allow: allow })
  throw clientError(404, `Not Found: no route for ${method.slice(0, 16)} ${quote(path)}`)
}

const router = httpRouterHandler<APIGatewayProxyEvent, APIGatewayProxyResult>({
  routes,
  notFoundResponse: routeNotFound,
})

/**
 * The router, guarded: it throws a plain Error (a 500) for an event without method or path. API Gateway always
 * sends both, but a hand-made test event may not, and bad input must never be a 500.
 */
export const blocksRouter = (
  event: APIGatewayProxyEvent,
  context: Context,
): Promise<APIGatewayProxyResult> => {
  if (typeof event?.httpMethod !== 'string' || event.httpMethod === '') {
    throw clientError(
      400,
      'Bad Request: the event has no httpMethod (expected an API Gateway REST proxy event)',
    )
  }
  if (typeof event.path !== 'string' || event.path === '') {
    throw clientError(400, 'Bad Request: the event has no path (expected an API Gateway REST proxy event)')
  }
  return router(event, context)
}
