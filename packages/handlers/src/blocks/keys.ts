// The Redis key layout. Every key starts with `cubewalk:`; nothing else in the code builds key names.
//
// All keys of one world carry the hash tag `{<world>}`, so in cluster mode they live in one slot: a script may
// touch the chunk, the world's chunk index and the world's version counter atomically, and a batch read of
// many chunks of one world is one command on one shard. World ids match ^[a-z0-9][a-z0-9-]{0,31}$ (checked
// before any key is built), so a world id can never contain `{` or `}` and change the tag.
//
//   cubewalk:{w}:c:<x>,<y>,<z>  hash  blocks (4096 raw bytes), version, by (principalId), at (ms since epoch)
//   cubewalk:{w}:chunks         set   "<x>,<y>,<z>" of every chunk that exists in the world
//   cubewalk:{w}:seq            int   the world's version counter; every write takes the next value
//   cubewalk:worlds             set   world ids ever written (a superset of the non-empty worlds; see store.ts)

export const KEY_PREFIX = 'cubewalk:'

/** The global world set. In cluster mode it lives in another slot than any world's keys. */
export const worldsKey = `${KEY_PREFIX}worlds`

const tag = (world: string): string => `${KEY_PREFIX}{${world}}:`

/** `x,y,z` as stored in the index and in chunk keys: canonical integers, so `01,2,3` and `1,2,3` agree. */
export const chunkMember = (x: number, y: number, z: number): string => `${x},${y},${z}`

export const chunkKey = (world: string, member: string): string => `${tag(world)}c:${member}`
export const indexKey = (world: string): string => `${tag(world)}chunks`
export const seqKey = (world: string): string => `${tag(world)}seq`
