// The storage layer: every Redis command the blocks API sends is in this file.
//
// Round trips per operation (one client, warm):
//   read one chunk      1  HMGET
//   read up to 64       1  script (all keys share the world's slot, so also 1 in cluster mode)
//   PUT / PATCH         1  script (precondition + write + index update), see the world list note below
//   DELETE              1  script
//   list worlds         2  SMEMBERS, then one EXISTS per listed world sent together (one per shard in cluster)
//
// The world list. `cubewalk:worlds` lives in another slot than a world's keys, so no script can update it
// together with a chunk in cluster mode. The rule that keeps it correct under any interleaving:
//   - a world is added before this process writes to it for the first time (SADD is idempotent), and again
//     whenever a write makes the world's index go from empty to one chunk (covers a set lost to a flush);
//   - a world is never removed: removing it when its last chunk goes could race with a first write into the
//     same world and hide a world that holds chunks;
//   - listing returns only worlds whose chunk index exists (Redis deletes an empty set).
// So the set may hold worlds that are empty now, never lacks one that holds a chunk once a write returned, and
// the price is one extra SADD the first time a process writes into a world.
//
// Durable writes (optional). With replicas to confirm, every successful PUT/PATCH/DELETE is followed by one
// WAIT (on the chunk's primary, and on the world list's when this request added to it), and answers 503 when the
// replicas do not confirm in time. Failed preconditions (412) and deletes of nothing wrote nothing: no WAIT.
import type { DurableWrites, RemainingTime } from '@cubewalk/middleware'
import type { Cluster, Redis } from 'ioredis'
import { chunkKey, chunkMember, indexKey, seqKey, worldsKey } from './keys.js'
import { deleteChunkLua, getChunksLua, patchChunkLua, putChunkLua } from './lua.js'
import type { Preconditions } from './preconditions.js'
import type { ChunkCoordinates } from './validate.js'

export type RedisClient = Redis | Cluster

export interface StoredChunk {
  readonly blocks: Buffer
  readonly version: number
  /** principalId of the last writer, null when the request carried none. */
  readonly updatedBy: string | null
  /** Time of the last write, ms since the epoch. */
  readonly updatedAt: number | null
}

export interface WriteMeta {
  readonly preconditions: Preconditions
  /** principalId of the writer ('' when unknown). */
  readonly by: string
  readonly at: number
}

export type WriteResult =
  | { readonly ok: true; readonly version: number }
  | { readonly ok: false; readonly currentVersion: number | null }

export type DeleteResult =
  | { readonly ok: true; readonly deleted: boolean }
  | { readonly ok: false; readonly currentVersion: number | null }

type ScriptArg = string | Buffer | number
type ScriptReply = [number, number, number?]

/** The commands ioredis adds for our scripts (defineCommand); typed here because ioredis cannot know them. */
interface ScriptCommands {
  cubewalkPutChunk(...args: ScriptArg[]): Promise<ScriptReply>
  cubewalkPatchChunk(...args: ScriptArg[]): Promise<ScriptReply>
  cubewalkDeleteChunk(...args: ScriptArg[]): Promise<ScriptReply>
  cubewalkGetChunksBuffer(...args: ScriptArg[]): Promise<Array<Array<Buffer | null>>>
}

const scripted = new WeakSet<RedisClient>()

const scriptsOf = (client: RedisClient): ScriptCommands => {
  if (!scripted.has(client)) {
    client.defineCommand('cubewalkPutChunk', { numberOfKeys: 3, lua: putChunkLua })
    client.defineCommand('cubewalkPatchChunk', { numberOfKeys: 3, lua: patchChunkLua })
    client.defineCommand('cubewalkDeleteChunk', { numberOfKeys: 2, lua: deleteChunkLua })
    client.defineCommand('cubewalkGetChunks', { lua: getChunksLua })
    scripted.add(client)
  }
  return client as unknown as ScriptCommands
}

// Worlds this process has added to the global set, per client. Bounded so that a flood of distinct world ids
// cannot grow a warm container's memory; forgetting only costs a repeated (idempotent) SADD.
const maxRememberedWorlds = 10_000
const listedWorlds = new WeakMap<RedisClient, Set<string>>()

const listedBy = (client: RedisClient): Set<string> => {
  let worlds = listedWorlds.get(client)
  if (!worlds) {
    worlds = new Set()
    listedWorlds.set(client, worlds)
  }
  return worlds
}

const toChunk = (fields: Array<Buffer | null>): StoredChunk | null => {
  const [blocks, version, by, at] = fields
  if (!blocks || !version) return null
  return {
    blocks,
    version: Number(version.toString()),
    updatedBy: by && by.length > 0 ? by.toString() : null,
    updatedAt: at ? Number(at.toString()) : null,
  }
}

const chunkFields = ['blocks', 'version', 'by', 'at'] as const

/** Writes must be confirmed by replicas: the setting and the invocation whose time bounds the wait. */
export interface Durability {
  readonly writes: DurableWrites
  readonly context?: RemainingTime
}

export class ChunkStore {
  readonly #client: RedisClient
  readonly #durability: Durability | undefined

  constructor(client: RedisClient, durability?: Durability) {
    this.#client = client
    this.#durability = durability
  }

  /** Worlds that hold at least one chunk, sorted. */
  async listWorlds(): Promise<string[]> {
    const candidates = await this.#client.smembers(worldsKey)
    const present = await Promise.all(candidates.map((world) => this.#client.exists(indexKey(world))))
    return candidates.filter((_, i) => present[i] === 1).sort()
  }

  async getChunk(world: string, at: ChunkCoordinates): Promise<StoredChunk | null> {
    const fields = await this.#client.hmgetBuffer(chunkKey(world, member(at)), ...chunkFields)
    return toChunk(fields)
  }

  /** Up to 64 chunks of one world in request order, null for absent ones. */
  async getChunks(world: string, list: readonly ChunkCoordinates[]): Promise<Array<StoredChunk | null>> {
    const keys = list.map((at) => chunkKey(world, member(at)))
    const replies = await scriptsOf(this.#client).cubewalkGetChunksBuffer(keys.length, ...keys)
    return replies.map(toChunk)
  }

  async putChunk(world: string, at: ChunkCoordinates, blocks: Buffer, meta: WriteMeta): Promise<WriteResult> {
    return this.#write(world, at, meta, (scripts, args) =>
      scripts.cubewalkPutChunk(...args, blocks, ...tail(meta)),
    )
  }

  /** `edits`: 3 bytes per edit, as packed by validate.ts. */
  async patchChunk(
    world: string,
    at: ChunkCoordinates,
    edits: Buffer,
    meta: WriteMeta,
  ): Promise<WriteResult> {
    return this.#write(world, at, meta, (scripts, args) =>
      scripts.cubewalkPatchChunk(...args, edits, ...tail(meta)),
    )
  }

  async deleteChunk(
    world: string,
    at: ChunkCoordinates,
    preconditions: Preconditions,
  ): Promise<DeleteResult> {
    const m = member(at)
    const key = chunkKey(world, m)
    const pending = this.#beginWrites()
    const [ok, value] = await scriptsOf(this.#client).cubewalkDeleteChunk(
      key,
      indexKey(world),
      preconditions.ifMatch,
      preconditions.ifNoneMatch,
      m,
    )
    if (ok !== 1) return { ok: false, currentVersion: value || null }
    if (value === 1) await pending?.confirm(key)
    return { ok: true, deleted: value === 1 }
  }

  #beginWrites() {
    const durability = this.#durability
    return durability?.writes.begin(this.#client, durability.context)
  }

  async #write(
    world: string,
    at: ChunkCoordinates,
    meta: WriteMeta,
    run: (scripts: ScriptCommands, head: ScriptArg[]) => Promise<ScriptReply>,
  ): Promise<WriteResult> {
    const pending = this.#beginWrites()
    const listed = listedBy(this.#client)
    const listedJustNow = !listed.has(world)
    if (listedJustNow) await this.#listWorld(world, listed)
    const m = member(at)
    const key = chunkKey(world, m)
    const head = [
      key,
      indexKey(world),
      seqKey(world),
      meta.preconditions.ifMatch,
      meta.preconditions.ifNoneMatch,
      m,
    ]
    const [ok, value, first] = await run(scriptsOf(this.#client), head)
    if (ok !== 1) return { ok: false, currentVersion: value || null }
    const listedAgain = first === 1 && !listedJustNow
    if (listedAgain) await this.#listWorld(world, listed)
    if (pending !== undefined) {
      const addedToList = listedJustNow || listedAgain
      try {
        await pending.confirm(...(addedToList ? [key, worldsKey] : [key]))
      } catch (error) {
        // The SADD is not confirmed either: let the next write of this world send (and confirm) it again.
        if (addedToList) listed.delete(world)
        throw error
      }
    }
    return { ok: true, version: value }
  }

  async #listWorld(world: string, listed: Set<string>): Promise<void> {
    await this.#client.sadd(worldsKey, world)
    if (listed.size >= maxRememberedWorlds) listed.clear()
    listed.add(world)
  }
}

const member = (at: ChunkCoordinates): string => chunkMember(at.x, at.y, at.z)
const tail = (meta: WriteMeta): ScriptArg[] => [meta.by, meta.at]
