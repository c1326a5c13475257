// Read-modify-write of the tokens parameter without losing a concurrent edit. SSM has no compare-and-swap:
// PutParameter with Overwrite always wins. What it does guarantee is a version number per parameter, incremented
// by one for every write and returned by PutParameter. So a write that comes back as version read+1 had no other
// write between the read and it; any other version means some writes landed in between, and ours replaced them.
// Then the versions in between are read back from the parameter's history, their changes (relative to what this
// command read) are merged with this command's own change, and the result is written again, until a write lands
// right after everything it has accounted for. docs/deploy.md#concurrent-edits says what remains (a short window
// in which the overwritten version is live, and editors that do not merge).

import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  type ParameterHistory,
  PutParameterCommand,
  type SSMClient,
} from '@aws-sdk/client-ssm'
import {
  PARAMETER_VALUE_LIMIT,
  parseTokenMap,
  serializeTokenMap,
  type TokenMap,
  TokenMapError,
} from './token-map.js'

export interface TokenSnapshot {
  readonly tokens: TokenMap
  readonly version: number
}

/** A token's name and when it entered the parameter with its current value. */
export interface TokenAge {
  readonly name: string
  readonly added: Date
  /** `false` when the history SSM keeps (100 versions) begins with the token already there: added on or before. */
  readonly exact: boolean
}

/** Returns the new map, or `undefined` when there is nothing to write. Throws to refuse the change. */
export type TokenChange = (tokens: TokenMap) => TokenMap | undefined

export class ConcurrentEditError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ConcurrentEditError'
  }
}

export interface TokenStoreOptions {
  /** Writes before giving up when other editors keep writing in between. Default 8. */
  readonly maxAttempts?: number
  /** Pause before a retry, growing with each; jittered so that two racing commands drift apart. Default 50 ms. */
  readonly retryDelayMs?: number
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** What `other` did relative to `base`: every name it added or changed, every name of `base` it dropped. */
const applyDiff = (target: Map<string, string>, base: TokenMap, other: TokenMap): void => {
  for (const [name, token] of other) if (base.get(name) !== token) target.set(name, token)
  for (const name of base.keys()) if (!other.has(name)) target.delete(name)
}

/**
 * AWS validation errors can quote the input ("Value '…' at 'value' failed to satisfy constraint"): an error whose
 * message carries any part of the value is replaced by one that keeps only its name.
 */
const withoutValue = (error: unknown, tokens: TokenMap): unknown => {
  if (!(error instanceof Error)) return error
  const quotes =
    error.message.includes('{"') || [...tokens.values()].some((t) => error.message.includes(t.slice(0, 12)))
  if (!quotes) return error
  const safe = new Error(`PutParameter failed; its message quoted the parameter value and is withheld`)
  safe.name = error.name
  return safe
}

export class TokenStore {
  readonly parameterName: string
  private readonly ssm: SSMClient
  private readonly maxAttempts: number
  private readonly retryDelayMs: number

  constructor(ssm: SSMClient, parameterName: string, options: TokenStoreOptions = {}) {
    this.ssm = ssm
    this.parameterName = parameterName
    this.maxAttempts = options.maxAttempts ?? 8
    this.retryDelayMs = options.retryDelayMs ?? 50
  }

  private source(version: number | undefined): string {
    return `parameter ${this.parameterName}${version === undefined ? '' : ` (version ${version})`}`
  }

  async read(): Promise<TokenSnapshot> {
    const { Parameter } = await this.ssm.send(
      new GetParameterCommand({ Name: this.parameterName, WithDecryption: true }),
    )
    const version = Parameter?.Version
    if (Parameter?.Value === undefined || version === undefined) {
      throw new TokenMapError(`${this.source(undefined)} came back without a value or version`)
    }
    return { tokens: parseTokenMap(Parameter.Value, this.source(version)), version }
  }

  /** Every retained version, oldest first, decrypted (SSM keeps the last 100). */
  private async history(): Promise<ParameterHistory[]> {
    const versions: ParameterHistory[] = []
    let NextToken: string | undefined
    do {
      const page = await this.ssm.send(
        new GetParameterHistoryCommand({
          Name: this.parameterName,
          WithDecryption: true,
          MaxResults: 50,
          NextToken,
        }),
      )
      versions.push(...(page.Parameters ?? []))
      NextToken = page.NextToken
    } while (NextToken)
    return versions.sort((a, b) => (a.Version ?? 0) - (b.Version ?? 0))
  }

  private parseVersion(entry: ParameterHistory): TokenMap {
    return parseTokenMap(entry.Value ?? '', this.source(entry.Version))
  }

  private async write(tokens: TokenMap): Promise<number> {
    const value = serializeTokenMap(tokens)
    if (value.length > PARAMETER_VALUE_LIMIT) {
      throw new TokenMapError(
        `the tokens would take ${value.length} characters, more than the ${PARAMETER_VALUE_LIMIT} an SSM Standard parameter holds: revoke unused tokens first`,
      )
    }
    let Version: number | undefined
    try {
      ;({ Version } = await this.ssm.send(
        // No Type: SSM keeps an existing parameter's type (SecureString) when an update names none.
        new PutParameterCommand({ Name: this.parameterName, Value: value, Overwrite: true }),
      ))
    } catch (error) {
      throw withoutValue(error, tokens)
    }
    if (Version === undefined) throw new Error(`PutParameter on ${this.parameterName} returned no version`)
    return Version
  }

  /**
   * Applies `change` to the current tokens and writes the result so that no concurrent write is lost: a write
   * that did not land right after the version it was computed from is followed by a merge and another write.
   * A change that throws on the merged tokens (e.g. a name someone else added meanwhile) puts the merged tokens
   * back without this change, then throws.
   */
  async update(change: TokenChange): Promise<TokenSnapshot> {
    const read = await this.read()
    const first = change(read.tokens)
    if (first === undefined) return read
    let written = await this.write(first)
    let accountedFor = read.version
    const ours = new Set<number>([written])
    let tokens = first
    for (let attempt = 1; written !== accountedFor + 1; attempt++) {
      if (attempt >= this.maxAttempts) {
        throw new ConcurrentEditError(
          `${this.parameterName} kept changing under this command (${attempt} writes, each overtaken by another editor); the last write is version ${written}. Run \`list\` and try again.`,
        )
      }
      await sleep(this.retryDelayMs * attempt * (0.5 + Math.random()))
      // Every version after the one this command read, except its own writes, is someone else's edit: keep it.
      const history = await this.history()
      const merged = new Map(read.tokens)
      let newest = written
      for (const entry of history) {
        const version = entry.Version ?? 0
        newest = Math.max(newest, version)
        if (version <= read.version || ours.has(version)) continue
        applyDiff(merged, read.tokens, this.parseVersion(entry))
      }
      if ((history[0]?.Version ?? Number.POSITIVE_INFINITY) > read.version + 1) {
        // SSM keeps 100 versions: the edits right after this command's read are gone and cannot be merged.
        throw new ConcurrentEditError(
          `${this.parameterName} changed more than SSM's 100 kept versions while this command ran; the last write is version ${written}. Run \`list\` and check it.`,
        )
      }
      let next: TokenMap | undefined
      try {
        next = change(merged)
      } catch (refusal) {
        // The others' edits must survive this command's refusal: put them back before reporting it.
        ours.add(await this.write(merged))
        throw refusal
      }
      tokens = next ?? merged
      accountedFor = newest
      written = await this.write(tokens)
      ours.add(written)
    }
    return { tokens, version: written }
  }

  /** When each current token was added: the first version of the run of versions that ends now with it unchanged. */
  async ages(): Promise<{ version: number; tokens: TokenAge[] }> {
    const history = await this.history()
    const current = history.at(-1)
    if (!current?.Version) throw new TokenMapError(`${this.source(undefined)} has no history`)
    const maps = history.map((entry) => ({
      // An old malformed version only ends a run; the current one must be valid.
      tokens: entry === current ? this.parseVersion(entry) : this.tryParse(entry),
      date: entry.LastModifiedDate ?? new Date(0),
      version: entry.Version ?? 0,
    }))
    const latest = maps.at(-1)?.tokens as TokenMap
    const tokens: TokenAge[] = []
    for (const [name, token] of latest) {
      let since = maps.length - 1
      while (since > 0 && maps[since - 1]?.tokens?.get(name) === token) since--
      const first = maps[since] as (typeof maps)[number]
      tokens.push({ name, added: first.date, exact: since > 0 || first.version === 1 })
    }
    return { version: current.Version, tokens }
  }

  private tryParse(entry: ParameterHistory): TokenMap | undefined {
    try {
      return this.parseVersion(entry)
    } catch {
      return undefined
    }
  }
}
