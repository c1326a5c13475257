// The stack's durable-writes decision (opt-in, one replica at most for the node-based group, impossible with Serverless)
// and the local runner turning it off for its replica-less Redis.

import { ENV } from '@cubewalk/handlers/config'
import type { FunctionModel } from '@cubewalk/local'
import { App, Duration } from 'aws-cdk-lib'
import { Match, Template } from 'aws-cdk-lib/assertions'
import { describe, expect, it } from 'vitest'
import { CubewalkStack } from '../src/cubewalk-stack.js'
import { resolveDurableWrites } from '../src/durable-writes.js'
import { localEnvironmentOverrides } from '../src/local-wiring.js'

const nodeBased = { replicas: undefined, timeout: undefined, serverless: false, availableReplicas: 1 }

describe('resolveDurableWrites', () => {
  it('is off by default, for both cache kinds, and off when asked for 0', () => {
    expect(resolveDurableWrites(nodeBased)).toBeUndefined()
    expect(resolveDurableWrites({ ...nodeBased, serverless: true, availableReplicas: 0 })).toBeUndefined()
    expect(resolveDurableWrites({ ...nodeBased, replicas: 0 })).toBeUndefined()
  })

  it('waits for the one replica, 100 ms by default, when asked for', () => {
    const setting = resolveDurableWrites({ ...nodeBased, replicas: 1 })
    expect(setting?.replicas).toBe(1)
    expect(setting?.timeout.toMilliseconds()).toBe(100)
  })

  it('takes another timeout', () => {
    expect(
      resolveDurableWrites({
        ...nodeBased,
        replicas: 1,
        timeout: Duration.millis(250),
      })?.timeout.toMilliseconds(),
    ).toBe(250)
  })

  it.each([
    [{ serverless: true, availableReplicas: 0, replicas: 1 }, /Serverless does not accept WAIT/],
    [{ replicas: 2 }, /durableWriteReplicas is 2 but the replication group has 1 replica\(s\)/],
    [{ replicas: -1 }, /durableWriteReplicas must be an integer ≥ 0/],
    [
      { replicas: 1, timeout: Duration.minutes(2) },
      /durableWriteTimeout must be a whole number of ms from 1 to 60000/,
    ],
  ])('refuses %o', (props, message) => {
    expect(() => resolveDurableWrites({ ...nodeBased, ...props })).toThrow(message)
  })

  it('tells the blocks function to wait for the replica when the stack asks for it', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } })
    const stack = new CubewalkStack(app, 'CubewalkDurable', {
      durableWriteReplicas: 1,
      durableWriteTimeout: Duration.millis(150),
    })
    const blocks = Template.fromStack(stack).findResources('AWS::Lambda::Function', {
      Properties: { Description: Match.stringLikeRegexp('blocks') },
    })
    const variables = Object.values(blocks).map(
      (fn) =>
        (fn as { Properties: { Environment: { Variables: Record<string, unknown> } } }).Properties.Environment
          .Variables,
    )
    expect(variables).toHaveLength(1)
    expect(variables[0]).toMatchObject({
      [ENV.redisDurableReplicas]: '1',
      [ENV.redisDurableTimeoutMs]: '150',
    })
    // A whole stack synthesized in-process: 6 to 13 s on a loaded 2-core machine, over 20 s with coverage on.
  }, 60_000)

  it('fails the synth of a Serverless stack that asks for durable writes', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } })
    expect(
      () =>
        new CubewalkStack(app, 'CubewalkDurableServerless', {
          serverlessCache: true,
          durableWriteReplicas: 1,
        }),
    ).toThrow(/Serverless does not accept WAIT/)
  })
})

describe('local runner', () => {
  it('removes the durable-writes variables: its private Redis has no replica to confirm writes', () => {
    const blocks = {
      environment: {
        [ENV.redisHost]: 'cache.example',
        [ENV.redisDurableReplicas]: '1',
        [ENV.redisDurableTimeoutMs]: '100',
      },
    } as unknown as FunctionModel
    const overrides = localEnvironmentOverrides(blocks, { redisUrl: 'redis://127.0.0.1:6399' })
    expect(overrides).toMatchObject({
      [ENV.redisDurableReplicas]: null,
      [ENV.redisDurableTimeoutMs]: null,
      [ENV.redisUrl]: 'redis://127.0.0.1:6399',
    })
  })

  it('with the faithful cache, keeps the deployed endpoint variables and drops durable writes only for want of replicas', () => {
    const blocks = {
      environment: {
        [ENV.redisHost]: '127.0.0.1',
        [ENV.redisTls]: 'true',
        [ENV.redisUsername]: 'cubewalk-blocks',
        [ENV.redisDurableReplicas]: '1',
        [ENV.redisDurableTimeoutMs]: '100',
      },
    } as unknown as FunctionModel
    const cache = {
      host: '127.0.0.1',
      port: 6400,
      tls: true,
      clusterMode: false,
      serverless: false,
      cacheName: 'cubewalk-cache',
      replicas: 0,
    }
    expect(localEnvironmentOverrides(blocks, { redisUrl: undefined, cache })).toEqual({
      [ENV.redisDurableReplicas]: null,
      [ENV.redisDurableTimeoutMs]: null,
    })
    expect(
      localEnvironmentOverrides(blocks, { redisUrl: undefined, cache: { ...cache, replicas: 1 } }),
    ).toEqual({})
  })
})
