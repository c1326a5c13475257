// REQUEST authorizer of the second app: allows a known key for a known tenant, both from the identity sources
// (header x-api-key, query string tenant); anything else is Unauthorized.
const KEYS = new Map([['key-allow-not-secret', ['acme', 'globex']]])

export const handler = async (event) => {
  const key = event.headers?.['x-api-key'] ?? event.headers?.['X-Api-Key']
  const tenant = event.queryStringParameters?.tenant
  const tenants = KEYS.get(key)
  if (!tenants?.includes(tenant)) throw new Error('Unauthorized')
  const [arnHead, stage] = event.methodArn.split('/')
  return {
    principalId: `tenant-${tenant}`,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${arnHead}/${stage}/*/*` }],
    },
    context: { tenant, eventType: event.type },
  }
}
