// Command-line tests run the runner and its tools as a user does, in child processes: one that serves until it is
// stopped (read its output as it comes), and one-shot commands (their exit code and output). Shared by the tests of
// @cubewalk/local and of applications that serve their stack with it.

import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process'

export interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  /** Wall time from spawn to exit. */
  readonly ms: number
}

/** Runs `command args` to its exit. */
export function runToExit(
  command: string,
  args: readonly string[],
  options: Pick<SpawnOptions, 'cwd' | 'env'> = {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const began = performance.now()
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.once('error', reject)
    child.once('close', (code) => resolve({ code, stdout, stderr, ms: performance.now() - began }))
  })
}

export interface Running {
  readonly child: ChildProcess
  /** stdout and stderr so far, interleaved as they came. */
  output(): string
  /**
   * Resolves with the first match of `text` in the output (the text itself for a string); rejects with the
   * output so far after `timeoutMs`, or as soon as the process has exited without printing it.
   */
  printed(text: string | RegExp, timeoutMs?: number): Promise<string>
  /** The exit code (null after a signal). */
  readonly exited: Promise<number | null>
  /** SIGTERM (or `signal`) unless it has exited; resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts `command args`, a process that runs until stopped. */
export function startProcess(
  command: string,
  args: readonly string[],
  options: Pick<SpawnOptions, 'cwd' | 'env'> = {},
): Running {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  const collect = (chunk: Buffer) => {
    output += chunk.toString()
  }
  child.stdout?.on('data', collect)
  child.stderr?.on('data', collect)
  let hasExited = false
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      hasExited = true
      resolve(code)
    }),
  )
  const printed = async (text: string | RegExp, timeoutMs = 20_000): Promise<string> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found =
        typeof text === 'string' ? (output.includes(text) ? text : undefined) : text.exec(output)?.[0]
      if (found !== undefined) return found
      if (hasExited || Date.now() > deadline)
        throw new Error(
          `${String(text)} never printed${hasExited ? ' (the process exited)' : ''}; output:\n${output}`,
        )
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  return {
    child,
    output: () => output,
    printed,
    exited,
    stop: (signal = 'SIGTERM') => {
      if (!hasExited) child.kill(signal)
      return exited
    },
  }
}
