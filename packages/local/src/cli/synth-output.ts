// `cdk synth`'s output as the runner shows it: the routine lines every synthesis prints (one per bundled asset,
// the CDK CLI's count of unconfigured feature flags, blank lines) would push the "listening on" banner off the
// screen, so they are held back; anything else (a cdk-nag or deprecation warning, an error) is passed on as it
// comes. A failed synthesis releases the held lines: bundling output can be what explains it.

const ROUTINE_LINES: readonly RegExp[] = [
  /^Bundling asset \S+\.\.\.$/,
  /^\d+ feature flags? (?:is|are) not configured\. Run 'cdk flags/,
  /^\s*$/,
]

/** Whether `line` is one of the routine lines of a successful `cdk synth`. */
export function isRoutineSynthLine(line: string): boolean {
  return ROUTINE_LINES.some((pattern) => pattern.test(line))
}

/** Splits the synthesis' output (stdout and stderr alike) into lines, passes the meaningful ones, holds the rest. */
export class SynthOutputFilter {
  private partial = ''
  private readonly held: string[] = []
  private readonly pass: (line: string) => void

  constructor(pass: (line: string) => void) {
    this.pass = pass
  }

  write(chunk: Buffer | string): void {
    const lines = (this.partial + chunk.toString()).split(/\r?\n/)
    this.partial = lines.pop() ?? ''
    for (const line of lines) this.line(line)
  }

  /** The last line, if the output did not end with a line break. */
  end(): void {
    if (this.partial !== '') this.line(this.partial)
    this.partial = ''
  }

  /** Passes the held-back lines on (after a failed synthesis), blank ones left out. */
  releaseHeld(): void {
    for (const line of this.held.splice(0)) if (line.trim() !== '') this.pass(line)
  }

  private line(line: string): void {
    if (isRoutineSynthLine(line)) this.held.push(line)
    else this.pass(line)
  }
}
