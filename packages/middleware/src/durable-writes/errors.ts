/** Invalid `durableWrites` options: thrown when the helper is set up, never on a request. */
export class DurableWritesConfigError extends TypeError {
  constructor(message: string) {
    super(`durableWrites: ${message}`)
    this.name = 'DurableWritesConfigError'
  }
}

/**
 * Fewer replicas than required confirmed the writes in time. The cause of the 503 a confirmation throws: the
 * writes are applied on the primary (WAIT does not roll anything back) but would be lost if it failed now.
 */
export class ReplicasNotConfirmedError extends Error {
  /** Replicas the options require. */
  readonly required: number
  /** Replicas that confirmed (the fewest, when the writes went to several primaries). */
  readonly confirmed: number
  /** The server-side WAIT timeout used, in ms; 0 when no time was left to wait at all. */
  readonly waitedMs: number

  constructor(required: number, confirmed: number, waitedMs: number, reason?: string) {
    super(
      reason ??
        `${confirmed} of ${required} replica${required === 1 ? '' : 's'} confirmed the writes within ${waitedMs} ms`,
    )
    this.name = 'ReplicasNotConfirmedError'
    this.required = required
    this.confirmed = confirmed
    this.waitedMs = waitedMs
  }
}
