import { Duration } from 'aws-cdk-lib'

/** What the blocks function is told: WAIT for `replicas` replicas within `timeout` after every write. */
export interface DurableWritesSetting {
  readonly replicas: number
  readonly timeout: Duration
}

export interface DurableWritesProps {
  /** The stack's `durableWriteReplicas` prop, if given. */
  readonly replicas: number | undefined
  /** The stack's `durableWriteTimeout` prop, if given. */
  readonly timeout: Duration | undefined
  /** Serverless caches do not accept WAIT. */
  readonly serverless: boolean
  /** Replicas the node-based replication group has. */
  readonly availableReplicas: number
}

export const defaultDurableWriteTimeout = Duration.millis(100)

/**
 * The stack's durable-writes decision. Opt-in (default off): with the group's single replica, every replica outage
 * (maintenance, the node replacement after a failover) would turn every write into a 503 for minutes, so the owner
 * of the stack chooses between that and losing the writes an unplanned failover catches unreplicated. When asked
 * for (`durableWriteReplicas: 1`), every write waits for that replica, 100 ms by default. Serverless: asking for it
 * fails the synth, because ElastiCache Serverless does not accept WAIT.
 */
export const resolveDurableWrites = (props: DurableWritesProps): DurableWritesSetting | undefined => {
  const { serverless, availableReplicas } = props
  const replicas = props.replicas ?? 0
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new Error(`durableWriteReplicas must be an integer ≥ 0, got ${String(replicas)}`)
  }
  if (replicas === 0) return undefined
  if (serverless) {
    throw new Error(
      'durableWriteReplicas must be 0 with serverlessCache: ElastiCache Serverless does not accept WAIT',
    )
  }
  if (replicas > availableReplicas) {
    throw new Error(
      `durableWriteReplicas is ${replicas} but the replication group has ${availableReplicas} replica(s): ` +
        'every write would answer 503',
    )
  }
  const timeout = props.timeout ?? defaultDurableWriteTimeout
  const ms = timeout.toMilliseconds()
  if (!Number.isInteger(ms) || ms < 1 || ms > 60_000) {
    throw new Error(`durableWriteTimeout must be a whole number of ms from 1 to 60000, got ${ms}`)
  }
  return { replicas, timeout }
}
