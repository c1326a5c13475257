// Watches source trees for `--watch` and reports what changed, in batches: an editor's save is often several
// events (truncate and write, or write a temporary file and rename it over the original), and a `git checkout`
// touches many files at once; one batch is reported once the events have been quiet for a moment.
// One fs.watch per directory rather than `recursive: true`: on Linux, Node's recursive watch also walks
// node_modules, thousands of directories that no save ever touches.

import { type Dirent, type FSWatcher, readdirSync, statSync, watch } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'

/** Directories never watched: installed packages, the cloud assembly, VCS and tool folders (dot-directories). */
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'cdk.out'])

/** Editors' scratch files: swap and backup files, vim's `4913` write probe, emacs lock files. */
export function isScratchFile(name: string): boolean {
  return (
    name.startsWith('.') ||
    name.startsWith('#') ||
    name.endsWith('~') ||
    name.endsWith('.swp') ||
    name.endsWith('.swx') ||
    name === '4913'
  )
}

export class SourceTreeWatcher {
  private readonly watchers = new Map<string, FSWatcher>()
  /** Single files watched through their directory: directory -> file names. */
  private readonly singleFiles = new Map<string, Set<string>>()
  private pending = new Set<string>()
  private timer: NodeJS.Timeout | undefined
  private closed = false
  private readonly onChanges: (paths: string[]) => void
  private readonly quietMs: number

  constructor(onChanges: (paths: string[]) => void, quietMs = 40) {
    this.onChanges = onChanges
    this.quietMs = quietMs
  }

  /** Watches a directory tree, or one file. A path that does not exist (yet) is ignored. */
  add(path: string): void {
    const absolute = resolve(path)
    let isDirectory: boolean
    try {
      isDirectory = statSync(absolute).isDirectory()
    } catch {
      return
    }
    if (isDirectory) {
      this.watchTree(absolute)
      return
    }
    const dir = dirname(absolute)
    const names = this.singleFiles.get(dir) ?? new Set<string>()
    names.add(basename(absolute))
    this.singleFiles.set(dir, names)
    this.watchDirectory(dir, false)
  }

  close(): void {
    this.closed = true
    clearTimeout(this.timer)
    for (const watcher of this.watchers.values()) watcher.close()
    this.watchers.clear()
  }

  private watchTree(dir: string): void {
    this.watchDirectory(dir, true)
    let entries: Dirent[]
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const entry of entries) {
      if (entry.isDirectory() && !SKIPPED_DIRECTORIES.has(entry.name) && !entry.name.startsWith('.'))
        this.watchTree(join(dir, entry.name))
    }
  }

  /** `tree`: every file of the directory counts, and new subdirectories are watched too. */
  private watchDirectory(dir: string, tree: boolean): void {
    const existing = this.watchers.get(dir) as (FSWatcher & { tree?: boolean }) | undefined
    if (existing) {
      if (tree) existing.tree = true
      return
    }
    let watcher: FSWatcher & { tree?: boolean }
    try {
      watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (typeof name === 'string') this.onEvent(dir, name, watcher.tree === true)
      })
    } catch {
      return
    }
    watcher.tree = tree
    // A watched directory that is deleted reports an error on some platforms: stop watching it.
    watcher.on('error', () => {
      watcher.close()
      this.watchers.delete(dir)
    })
    this.watchers.set(dir, watcher)
  }

  private onEvent(dir: string, name: string, tree: boolean): void {
    if (this.closed || isScratchFile(name) || SKIPPED_DIRECTORIES.has(name)) return
    if (!tree && !this.singleFiles.get(dir)?.has(name)) return
    const path = join(dir, name)
    if (tree && !this.watchers.has(path)) {
      try {
        // A directory created (or moved in) after the start: its files count too.
        if (statSync(path).isDirectory()) this.watchTree(path)
      } catch {
        // Deleted again, or a file: nothing more to watch.
      }
    }
    this.pending.add(path)
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      const paths = [...this.pending]
      this.pending = new Set()
      this.onChanges(paths)
    }, this.quietMs)
  }
}
