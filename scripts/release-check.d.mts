// Types of release-check.mjs for its test (the script stays plain JavaScript, runnable by node alone).
export interface PackageManifest {
  name: string
  version: string
  private?: boolean
  exports?: Record<string, string | Record<string, string>>
  repository?: { type?: string; url?: string; directory?: string }
  homepage?: string
  bugs?: { url?: string }
  publishConfig?: { access?: string; provenance?: boolean }
}

export declare const packageName: string
export declare const placeholderOwner: string

export declare function releaseProblems(input: {
  manifest: PackageManifest
  files: string[]
  changelog: string
  changesets: string[][]
  directory: string
}): string[]

export declare function pendingChangesets(dir?: string): string[][]
