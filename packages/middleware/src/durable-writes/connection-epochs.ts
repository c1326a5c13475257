import { Cluster, type Redis } from 'ioredis'

// WAIT counts the writes of the connection it is sent on. If the connection was replaced between a write and
// its WAIT, the WAIT runs on a fresh connection that has written nothing and "confirms" at once: a false
// durability promise. So every client gets a counter that moves whenever one of its connections closes; a
// confirmation only counts when the counter did not move between the start of the writes and the WAIT reply.

const epochs = new WeakMap<Redis | Cluster, { value: number }>()

const watch = (node: Redis, epoch: { value: number }): void => {
  node.on('close', () => {
    epoch.value += 1
  })
}

/** The client's connection epoch: it changes whenever one of its connections (any node's) has closed. */
export const connectionEpoch = (client: Redis | Cluster): number => {
  let epoch = epochs.get(client)
  if (epoch === undefined) {
    const created = { value: 0 }
    epoch = created
    epochs.set(client, created)
    if (client instanceof Cluster) {
      for (const node of client.nodes('all')) watch(node, created)
      // Nodes are created lazily (first command to a slot, MOVED, slot refresh).
      client.on('+node', (node: Redis) => watch(node, created))
    } else {
      watch(client, created)
    }
  }
  return epoch.value
}
