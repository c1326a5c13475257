import type { HttpError } from '@middy/util'
import type { APIGatewayProxyResult } from 'aws-lambda'
import { clientError } from './errors.js'
import { etagOf } from './preconditions.js'
import type { StoredChunk } from './store.js'
import type { ChunkCoordinates } from './validate.js'

/** The JSON form of a chunk, in GET and in each entry of a batch read. */
export interface ChunkBody {
  world: string
  chunk: [number, number, number]
  version: number
  blocks: string
  updatedBy: string | null
  updatedAt: string | null
}

export const chunkBody = (world: string, at: ChunkCoordinates, chunk: StoredChunk): ChunkBody => ({
  world,
  chunk: [at.x, at.y, at.z],
  version: chunk.version,
  blocks: chunk.blocks.toString('base64'),
  updatedBy: chunk.updatedBy,
  updatedAt: chunk.updatedAt === null ? null : new Date(chunk.updatedAt).toISOString(),
})

/** A 200 JSON response that carries the chunk's ETag; plain data cannot carry headers through jsonResponse. */
export const withEtag = (body: unknown, version: number): APIGatewayProxyResult => ({
  statusCode: 200,
  headers: { 'Content-Type': 'application/json', ETag: etagOf(version) },
  body: JSON.stringify(body),
})

export const notModifiedResponse = (version: number): APIGatewayProxyResult => ({
  statusCode: 304,
  headers: { ETag: etagOf(version) },
  body: '',
})

/** 412, with the chunk's current ETag when it exists so the client can re-read and retry. */
export const preconditionFailed = (currentVersion: number | null): HttpError =>
  clientError(
    412,
    currentVersion === null
      ? 'Precondition Failed: the chunk does not exist'
      : `Precondition Failed: the chunk is at version ${currentVersion}`,
    currentVersion === null ? undefined : { ETag: etagOf(currentVersion) },
  )

export const chunkNotFound = (world: string, at: ChunkCoordinates): HttpError =>
  clientError(404, `chunk ${at.x},${at.y},${at.z} of world ${JSON.stringify(world)} does not exist`)
