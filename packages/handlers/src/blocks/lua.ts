// The Lua scripts behind every multi-step storage operation. A script runs atomically on the server and is one
// command on the wire, so each write below is one round trip and can never be seen half done. ioredis sends
// EVAL with the source the first time a script is used on a connection and EVALSHA afterwards, so there is no
// NOSCRIPT retry round trip either. All keys a script touches are passed in KEYS and share the world's hash tag
// (see keys.ts), which keeps the scripts legal in cluster mode.
//
// Preconditions (If-Match / If-None-Match) are evaluated inside the scripts: checking them in JavaScript first
// would leave a window in which another writer changes the chunk.
// ARGV encoding of a precondition: '' = header absent, '*' = any version, otherwise the acceptable versions
// joined by spaces; a header that names no usable version is sent as '-', which no version equals.

/** Shared by the write scripts. `cur` is the chunk's current version (a string) or false when absent. */
const preconditionLua = `
local function listed(list, cur)
  return string.find(' ' .. list .. ' ', ' ' .. cur .. ' ', 1, true) ~= nil
end
local function precondition(ifMatch, ifNoneMatch, cur)
  if ifMatch ~= '' then
    if not cur then return false end
    if ifMatch ~= '*' and not listed(ifMatch, cur) then return false end
  end
  if ifNoneMatch ~= '' and cur then
    if ifNoneMatch == '*' or listed(ifNoneMatch, cur) then return false end
  end
  return true
end
`

// Shared tail of PUT and PATCH: take the world's next version, store the chunk and keep the index in step.
// `first` tells the caller the world's index just went from empty to one chunk, i.e. the world (re)appeared
// and must be in the global world set. SADD runs on every write, not only on creation, so an index that was
// ever out of step heals itself; it costs O(1).
const storeLua = `
local function store(blocks)
  local v = redis.call('INCR', KEYS[3])
  redis.call('HSET', KEYS[1], 'blocks', blocks, 'version', v, 'by', ARGV[5], 'at', ARGV[6])
  local first = 0
  if redis.call('SADD', KEYS[2], ARGV[3]) == 1 and redis.call('SCARD', KEYS[2]) == 1 then first = 1 end
  return {1, v, first}
end
`

/**
 * PUT. KEYS: chunk, index, seq. ARGV: ifMatch, ifNoneMatch, member, blocks (4096 raw bytes), by, at.
 * Returns {1, version, first} or {0, currentVersion or 0} when the precondition fails.
 */
export const putChunkLua = `${preconditionLua}${storeLua}
local cur = redis.call('HGET', KEYS[1], 'version')
if not precondition(ARGV[1], ARGV[2], cur) then return {0, tonumber(cur) or 0} end
return store(ARGV[4])
`

/**
 * PATCH. KEYS: chunk, index, seq. ARGV: ifMatch, ifNoneMatch, member, edits, by, at.
 * Edits are packed 3 bytes each (block index high byte, low byte, value) and applied in order, so a later edit
 * of the same block wins. Packing keeps 4096 edits at 12 KiB and spares the script a JSON decoder. An absent
 * chunk starts as air (all zero). The chunk is exploded into a byte table once and rebuilt once, so the cost
 * is the same for 1 or 4096 edits and far below splicing the string per edit.
 */
export const patchChunkLua = `${preconditionLua}${storeLua}
local cur = redis.call('HMGET', KEYS[1], 'version', 'blocks')
if not precondition(ARGV[1], ARGV[2], cur[1]) then return {0, tonumber(cur[1]) or 0} end
local blocks = cur[2]
if not blocks or #blocks ~= 4096 then blocks = string.rep('\\0', 4096) end
local bytes = {string.byte(blocks, 1, 4096)}
local edits = ARGV[4]
for i = 1, #edits, 3 do
  local hi, lo, value = string.byte(edits, i, i + 2)
  bytes[hi * 256 + lo + 1] = value
end
local parts = {}
for i = 1, 4096, 1024 do parts[#parts + 1] = string.char(unpack(bytes, i, i + 1023)) end
return store(table.concat(parts))
`

/**
 * DELETE. KEYS: chunk, index. ARGV: ifMatch, ifNoneMatch, member.
 * Returns {1, 1} deleted, {1, 0} absent, {0, currentVersion or 0} when the precondition fails.
 * The world stays in the global world set even when this was its last chunk: removing it here could race
 * with a first write into the same world from another request (the set lives in another slot, so no script
 * can cover both). Listing filters out worlds whose index is empty instead.
 */
export const deleteChunkLua = `${preconditionLua}
local cur = redis.call('HGET', KEYS[1], 'version')
if not precondition(ARGV[1], ARGV[2], cur) then return {0, tonumber(cur) or 0} end
if not cur then return {1, 0} end
redis.call('DEL', KEYS[1])
redis.call('SREM', KEYS[2], ARGV[3])
return {1, 1}
`

/**
 * Batch read. KEYS: up to 64 chunk keys of one world. Returns one {blocks, version, by, at} per key (nils for
 * an absent chunk). One command instead of 64 HMGETs in a pipeline, and a consistent snapshot of the chunks.
 */
export const getChunksLua = `
local out = {}
for i = 1, #KEYS do out[i] = redis.call('HMGET', KEYS[i], 'blocks', 'version', 'by', 'at') end
return out
`
