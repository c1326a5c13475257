// The blocks function as the runner sees it in a synthesized stack: the REST resource a chunk read matches, the
// function model (asset directory, name) and the environment the handler runs with locally. Shared by the
// stack benches so they all call the same handler the same way.
import '../bin/ts-resolve.mjs'

const { loadStack, IntrinsicResolver, buildApiModel, matchResource, methodFor, DEFAULT_IDENTITY } =
  await import('@cubewalk/local/internals')
const { localEnvironmentOverrides } = await import('../src/local-wiring.ts')

/** A chunk read, without the stage: what every bench requests. */
export const CHUNK_PATH = '/cubewalkblocks/bench/chunks/1,2,3'

export function loadBlocksFunction(assembly) {
  const stack = loadStack(assembly)
  const model = buildApiModel(stack, new IntrinsicResolver(stack.template, stack.stackName, DEFAULT_IDENTITY))
  const api = model.apis[0]
  const match = matchResource(api.root, CHUNK_PATH)
  const blocks = model.functions.get(methodFor(match.node, 'GET').integration.functionLogicalId)
  return {
    api,
    match,
    blocks,
    /** The handler's environment against `redisUrl`, as the runner would give it (minus NODE_OPTIONS). */
    environment(redisUrl) {
      const env = { ...blocks.environment, AWS_REGION: DEFAULT_IDENTITY.region }
      for (const [name, value] of Object.entries(localEnvironmentOverrides(blocks, { redisUrl }))) {
        if (value === null) delete env[name]
        else env[name] = value
      }
      delete env.NODE_OPTIONS
      return env
    },
  }
}
