// The tokens parameter's read-modify-write against the local SSM endpoint (real SSMClient, real versions and
// history): racing edits keep every token, a malformed value is refused and left as it was, ages come from history.

import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm'
import type { SsmEndpoint } from '@cubewalk/local'
import { DEFAULT_IDENTITY, startSsmEndpoint } from '@cubewalk/local/internals'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { TokenMapError } from '../../src/tokens/token-map.js'
import { TokenStore } from '../../src/tokens/token-store.js'

const parameter = '/Test/tokens'
const initial = { initial: 'test-token-not-secret-initial' }
let endpoint: SsmEndpoint
let client: SSMClient

const clientFor = (url: string) =>
  new SSMClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test-not-secret', secretAccessKey: 'test-not-secret' },
  })
const current = () => JSON.parse(endpoint.get(parameter)?.value ?? 'null') as Record<string, string>
const addTo = (name: string, token: string) => (tokens: ReadonlyMap<string, string>) =>
  new Map(tokens).set(name, token)

/** Holds every PutParameter of `target` until `release()`: a deterministic interleaving of racing commands. */
const gatePuts = (target: SSMClient) => {
  let release: () => void = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  let waiting = 0
  target.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'PutParameterCommand') {
        waiting++
        await gate
      }
      return next(args)
    },
    { step: 'initialize', name: 'gatePuts' },
  )
  return { release: () => release(), waiting: () => waiting }
}

beforeAll(async () => {
  endpoint = await startSsmEndpoint(DEFAULT_IDENTITY)
  client = clientFor(endpoint.url)
})
afterAll(async () => {
  client.destroy()
  await endpoint.close()
})
beforeEach(() => {
  endpoint.put(parameter, JSON.stringify(initial))
})

describe('TokenStore.update', () => {
  it('writes the change as the next version', async () => {
    const store = new TokenStore(client, parameter)
    const before = endpoint.get(parameter)?.version as number
    const { version, tokens } = await store.update(addTo('ci', 'test-token-not-secret-ci'))
    expect(version).toBe(before + 1)
    expect([...tokens.keys()]).toEqual(['initial', 'ci'])
    expect(current()).toEqual({ ...initial, ci: 'test-token-not-secret-ci' })
  })

  it('keeps every token when eight adds race (each read before any write)', async () => {
    const clients = Array.from({ length: 8 }, () => clientFor(endpoint.url))
    const gates = clients.map(gatePuts)
    const adds = clients.map((c, i) =>
      new TokenStore(c, parameter, { retryDelayMs: 5 }).update(
        addTo(`racer-${i}`, `test-token-not-secret-${i}`),
      ),
    )
    // Every command has read the same version and is about to write: the worst case for lost updates.
    while (gates.some((g) => g.waiting() === 0)) await new Promise((r) => setTimeout(r, 5))
    for (const gate of gates) gate.release()
    await Promise.all(adds)
    const expected = Object.fromEntries(clients.map((_, i) => [`racer-${i}`, `test-token-not-secret-${i}`]))
    expect(current()).toEqual({ ...initial, ...expected })
    for (const c of clients) c.destroy()
  })

  it('keeps a clean write that two stale writers overwrote, and a removal made meanwhile', async () => {
    endpoint.put(parameter, JSON.stringify({ ...initial, old: 'test-token-not-secret-old' }))
    const [a, b] = [clientFor(endpoint.url), clientFor(endpoint.url)]
    const gateA = gatePuts(a)
    const gateB = gatePuts(b)
    const addA = new TokenStore(a, parameter, { retryDelayMs: 5 }).update(
      addTo('a', 'test-token-not-secret-a'),
    )
    const addB = new TokenStore(b, parameter, { retryDelayMs: 5 }).update(
      addTo('b', 'test-token-not-secret-b'),
    )
    while (gateA.waiting() === 0 || gateB.waiting() === 0) await new Promise((r) => setTimeout(r, 5))
    // Meanwhile someone else revokes `old` (a clean write, right after the version both commands read)...
    const revoke = new TokenStore(client, parameter)
    await revoke.update((tokens) => {
      const next = new Map(tokens)
      next.delete('old')
      return next
    })
    // ...and both stale writes land on top of it, each putting `old` back and dropping the other's token.
    gateA.release()
    gateB.release()
    await Promise.all([addA, addB])
    expect(current()).toEqual({ ...initial, a: 'test-token-not-secret-a', b: 'test-token-not-secret-b' })
    a.destroy()
    b.destroy()
  })

  it('a change refused after the merge (same name added meanwhile) puts the other edit back, then fails', async () => {
    const racer = clientFor(endpoint.url)
    const gate = gatePuts(racer)
    const refusing = (token: string) => (tokens: ReadonlyMap<string, string>) => {
      if (tokens.has('ci')) throw new TokenMapError('a token named ci already exists')
      return new Map(tokens).set('ci', token)
    }
    const mine = new TokenStore(racer, parameter, { retryDelayMs: 5 }).update(
      refusing('test-token-not-secret-mine'),
    )
    while (gate.waiting() === 0) await new Promise((r) => setTimeout(r, 5))
    await new TokenStore(client, parameter).update(refusing('test-token-not-secret-theirs'))
    gate.release()
    await expect(mine).rejects.toThrow('a token named ci already exists')
    expect(current()).toEqual({ ...initial, ci: 'test-token-not-secret-theirs' })
    racer.destroy()
  })

  it.each([
    ['not JSON', '{"initial": "test-token-not-secret-x"', /is not valid JSON/],
    ['an array', '["test-token-not-secret-x"]', /must be a JSON object name -> token, got an array/],
    ['an empty object', '{}', /holds no tokens/],
    ['a number token', '{"initial": 42}', /entry 1 of 1 must be a non-empty string token, got a number/],
    ['an empty token', '{"a": "test-token-not-secret-x", "b": ""}', /entry 2 of 2 .* got an empty string/],
  ])(
    'refuses a parameter holding %s, names the problem, and leaves it untouched',
    async (_what, value, message) => {
      endpoint.put(parameter, value)
      const before = endpoint.get(parameter)
      const error = await new TokenStore(client, parameter)
        .update(addTo('ci', 'test-token-not-secret-ci'))
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TokenMapError)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).toContain(`parameter ${parameter} (version ${before?.version})`)
      expect((error as Error).message).not.toContain('test-token-not-secret')
      expect(endpoint.get(parameter)).toEqual(before)
    },
  )

  it('withholds an AWS error message that quotes the value it was sent', async () => {
    const quoting = clientFor(endpoint.url)
    quoting.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'PutParameterCommand') return next(args)
        const value = (args.input as { Value: string }).Value
        throw Object.assign(
          new Error(`1 validation error detected: Value '${value.slice(0, 40)}' at 'value'`),
          {
            name: 'ValidationException',
          },
        )
      },
      { step: 'initialize', name: 'quoting' },
    )
    const error = await new TokenStore(quoting, parameter)
      .update(addTo('ci', 'test-token-not-secret-ci'))
      .catch((e: unknown) => e)
    expect(error).toMatchObject({ name: 'ValidationException' })
    expect((error as Error).message).toBe(
      'PutParameter failed; its message quoted the parameter value and is withheld',
    )
    quoting.destroy()
  })

  it('refuses a change that would not fit an SSM Standard parameter (4096 characters), writing nothing', async () => {
    const before = endpoint.get(parameter)
    const huge = new Map(
      Array.from({ length: 80 }, (_, i) => [`name-${i}`, `test-token-not-secret-${'x'.repeat(40)}`]),
    )
    await expect(new TokenStore(client, parameter).update(() => huge)).rejects.toThrow(
      /more than the 4096 an SSM Standard parameter holds/,
    )
    expect(endpoint.get(parameter)).toEqual(before)
  })
})

describe('TokenStore.ages', () => {
  it('dates each token from the version that added it with its current value', async () => {
    const name = '/Test/ages'
    const at = async (value: Record<string, string>) => {
      await client.send(
        new PutParameterCommand({
          Name: name,
          Value: JSON.stringify(value),
          Type: 'SecureString',
          Overwrite: true,
        }),
      )
      await new Promise((r) => setTimeout(r, 15))
      return endpoint.get(name)?.version
    }
    await at({ a: 'test-token-not-secret-a' })
    await at({ a: 'test-token-not-secret-a', b: 'test-token-not-secret-b1' })
    await at({ a: 'test-token-not-secret-a', b: 'test-token-not-secret-b2' }) // b replaced: a new token
    await at({ a: 'test-token-not-secret-a', b: 'test-token-not-secret-b2', c: 'test-token-not-secret-c' })
    const store = new TokenStore(client, name)
    const { version, tokens } = await store.ages()
    expect(version).toBe(4)
    const byName = Object.fromEntries(tokens.map((t) => [t.name, t]))
    expect(Object.keys(byName)).toEqual(['a', 'b', 'c'])
    expect(byName.a?.exact).toBe(true)
    expect(byName.a?.added.getTime()).toBeLessThan(byName.b?.added.getTime() as number)
    expect(byName.b?.added.getTime()).toBeLessThan(byName.c?.added.getTime() as number)
  })

  it('says "on or before" when the kept history (100 versions) begins with the token already there', async () => {
    const name = '/Test/old-ages'
    for (let i = 0; i < 102; i++) {
      await client.send(
        new PutParameterCommand({
          Name: name,
          Value: JSON.stringify({ keep: 'test-token-not-secret-keep', n: `test-token-not-secret-${i}` }),
          Type: 'SecureString',
          Overwrite: true,
        }),
      )
    }
    const { tokens } = await new TokenStore(client, name).ages()
    expect(tokens.find((t) => t.name === 'keep')?.exact).toBe(false)
    expect(tokens.find((t) => t.name === 'n')?.exact).toBe(true)
  })
})
