// What of `cdk synth`'s output the runner shows: the routine lines are held back, everything else passes, and a
// failed synthesis releases what was held. The lines are the ones `npm start` printed for the cubewalk stack.

import { describe, expect, it } from 'vitest'
import { isRoutineSynthLine, SynthOutputFilter } from '../src/cli/synth-output.js'

describe('isRoutineSynthLine', () => {
  it('knows the routine lines of a successful synth and nothing else', () => {
    expect(isRoutineSynthLine('Bundling asset Cubewalk/Blocks/Function/Code/Stage...')).toBe(true)
    expect(
      isRoutineSynthLine(
        "83 feature flags are not configured. Run 'cdk flags --unstable=flags' to learn more.",
      ),
    ).toBe(true)
    expect(
      isRoutineSynthLine("1 feature flag is not configured. Run 'cdk flags --unstable=flags' to learn more."),
    ).toBe(true)
    expect(isRoutineSynthLine('')).toBe(true)
    expect(isRoutineSynthLine('[Warning at /Cubewalk/Blocks] AwsSolutions-L1: a finding')).toBe(false)
    expect(isRoutineSynthLine('Bundling asset failed: esbuild error')).toBe(false)
    expect(isRoutineSynthLine('Error: Cannot find module')).toBe(false)
  })
})

describe('SynthOutputFilter', () => {
  it('passes meaningful lines across chunk boundaries, holds routine ones until released', () => {
    const shown: string[] = []
    const filter = new SynthOutputFilter((line) => shown.push(line))
    filter.write('Bundling asset A/Code/Stage...\n[Warn')
    filter.write('ing] deprecated API\r\n\n83 feature flags are not configured. Run ')
    filter.write("'cdk flags --unstable=flags' to learn more.\nlast line without a break")
    filter.end()
    expect(shown).toEqual(['[Warning] deprecated API', 'last line without a break'])
    filter.releaseHeld()
    expect(shown.slice(2)).toEqual([
      'Bundling asset A/Code/Stage...',
      "83 feature flags are not configured. Run 'cdk flags --unstable=flags' to learn more.",
    ])
  })
})
