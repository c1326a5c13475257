// Why a fault was not applied, with a code the control endpoint turns into an HTTP status and the `fault`
// command into its message.

export type FaultErrorCode =
  /** The name is not a fault. */
  | 'unknown-fault'
  /** A missing, extra or malformed argument (a duration without a unit, out of bounds). */
  | 'bad-argument'
  /** The runner serves no cache a fault can act on (none in the template, `--cache plain`, REDIS_URL). */
  | 'no-cache'
  /** The cache cannot take the fault in its state (a failover without a replica, or of a frozen primary). */
  | 'refused'

export class FaultError extends Error {
  readonly code: FaultErrorCode

  constructor(code: FaultErrorCode, message: string) {
    super(message)
    this.name = 'FaultError'
    this.code = code
  }
}
