// The second app's only integration: no Redis, no SSM; answers what it was asked and who the authorizer said.
export const handler = async (event) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    resource: event.resource,
    path: event.path,
    pathParameters: event.pathParameters,
    authorizer: event.requestContext.authorizer ?? null,
    redisUrl: process.env.REDIS_URL ?? null,
    greeting: process.env.GREETING,
  }),
})
