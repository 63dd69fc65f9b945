import { type FSWatcher, watch } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { EventType } from "@wrenn/proto/envd/filesystem";
import { isNotFound } from "./fs-errors.js";
import { isUploadTempName } from "./upload-temp.js";
import {
  classifyChanges,
  type EntrySnapshot,
  isDirMode,
  isFileMode,
  type PathChange,
  snapshotOf,
  type WatchEvent,
} from "./watch-diff.js";

export interface DirWatcherOptions {
  /** Absolute, symlink-free directory to watch. */
  root: string;
  recursive: boolean;
  /** How long notifications are gathered before they are compared with the last state. */
  batchMs?: number;
  onEvents(events: WatchEvent[]): void;
  /** Watching failed and has stopped. */
  onError(error: unknown): void;
  /** The watched directory itself was removed or moved away; watching has stopped. */
  onRootGone(): void;
}

export interface DirWatcher {
  close(): void;
}

interface Pending {
  modified: boolean;
}

/**
 * inotify-style events from Node's fs.watch, which only says "rename" or "change": one
 * non-recursive watch per directory, a snapshot of every entry seen, and each batch of
 * notifications classified by comparing the entries' state before and after (see
 * watch-diff.ts). With `recursive`, directories that appear are watched too, and their
 * watches dropped when they go.
 */
export async function startDirWatcher(options: DirWatcherOptions): Promise<DirWatcher> {
  const batchMs = options.batchMs ?? 20;
  const known = new Map<string, EntrySnapshot>();
  const handles = new Map<string, { watcher: FSWatcher; ino: bigint }>();
  const pending = new Map<string, Pending>();
  const selfChecks = new Set<string>();
  const rescans = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  // Batches are processed one at a time, after the initial scan.
  let chain: Promise<void> = Promise.resolve();

  function close(): void {
    closed = true;
    clearTimeout(timer);
    for (const { watcher } of handles.values()) watcher.close();
    handles.clear();
  }

  function fail(error: unknown): void {
    if (closed) return;
    close();
    options.onError(error);
  }

  function onNotification(dir: string, kind: string, filename: string | null): void {
    if (closed || !handles.has(dir)) return;
    if (filename === null) {
      rescans.add(dir);
    } else if (!isUploadTempName(filename)) {
      const path = join(dir, filename);
      const entry = pending.get(path) ?? { modified: false };
      if (kind === "change") entry.modified = true;
      pending.set(path, entry);
      // The directory's own removal is reported under its own name.
      if (filename === basename(dir)) selfChecks.add(dir);
    }
    timer ??= setTimeout(() => {
      timer = undefined;
      chain = chain.then(flush).catch(fail);
    }, batchMs);
  }

  async function addWatch(dir: string): Promise<boolean> {
    if (handles.has(dir)) return true;
    let watcher: FSWatcher;
    try {
      const { ino } = await lstat(dir, { bigint: true });
      watcher = watch(dir, { persistent: false }, (kind, name) => onNotification(dir, kind, name));
      handles.set(dir, { watcher, ino });
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
    watcher.on("error", fail);
    return true;
  }

  /** Watches `dir` and records its entries; fresh directories report them as created. */
  async function scan(dir: string, created?: WatchEvent[]): Promise<void> {
    if (closed || !(await addWatch(dir))) return;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    for (const name of names) {
      if (isUploadTempName(name)) continue;
      const path = join(dir, name);
      const snapshot = await snapshotIfPresent(path);
      if (!snapshot) continue;
      const isNew = !known.has(path);
      known.set(path, snapshot);
      if (created && isNew) {
        created.push({ path, type: EventType.CREATE });
        if (isFileMode(snapshot.mode) && snapshot.size > 0n) {
          created.push({ path, type: EventType.WRITE });
        }
      }
      if (options.recursive && isDirMode(snapshot.mode)) await scan(path, created);
    }
  }

  /** Forgets everything below `dir` (and `dir`'s own watch); `dir`'s entry stays. */
  function forgetSubtree(dir: string): void {
    const prefix = `${dir}/`;
    for (const path of known.keys()) if (path.startsWith(prefix)) known.delete(path);
    for (const [path, { watcher }] of handles) {
      if (path === dir || path.startsWith(prefix)) {
        watcher.close();
        handles.delete(path);
      }
    }
  }

  async function flush(): Promise<void> {
    if (closed) return;
    for (const dir of takeAll(rescans)) await queueRescan(dir);
    // What was known is read before vanished directories are forgotten below, so entries
    // removed together with their directory (rm -r) are still reported.
    const batch = [...pending].map(([path, { modified }]) => ({
      path,
      modified,
      before: known.get(path),
    }));
    pending.clear();
    const rootGone = await checkSelves();
    const changes: PathChange[] = await Promise.all(
      batch.map(async (change) => ({ ...change, after: await snapshotIfPresent(change.path) })),
    );
    if (closed) return;
    const { events, renames } = classifyChanges(changes);
    const renamedTo = new Set(renames.values());
    for (const c of changes) {
      if (c.after) known.set(c.path, c.after);
      else known.delete(c.path);
    }
    for (const c of changes) {
      const replaced = !c.before || !c.after || c.before.ino !== c.after.ino;
      if (c.before && isDirMode(c.before.mode) && replaced) forgetSubtree(c.path);
      if (options.recursive && c.after && isDirMode(c.after.mode) && replaced) {
        // A directory moved here brings old contents; a new one may already have children
        // created before its watch existed, and those are news.
        await scan(c.path, renamedTo.has(c.path) ? undefined : events);
      }
    }
    if (closed) return;
    if (events.length > 0) options.onEvents(events);
    if (rootGone) {
      close();
      options.onRootGone();
    }
  }

  /** Closes watches whose directory vanished; true when that is the root. */
  async function checkSelves(): Promise<boolean> {
    let rootGone = false;
    for (const dir of takeAll(selfChecks)) {
      const handle = handles.get(dir);
      if (!handle) continue;
      const now = await snapshotIfPresent(dir);
      if (now && now.ino === handle.ino) continue;
      forgetSubtree(dir);
      if (dir === options.root) rootGone = true;
    }
    return rootGone;
  }

  /** The kernel queue overflowed: compare every entry of `dir`, present or remembered. */
  async function queueRescan(dir: string): Promise<void> {
    const names = await readdir(dir).catch((error: unknown) => {
      if (isNotFound(error)) return [];
      throw error;
    });
    const paths = new Set(names.filter((n) => !isUploadTempName(n)).map((n) => join(dir, n)));
    const prefix = `${dir}/`;
    for (const path of known.keys()) {
      if (path.startsWith(prefix) && !path.slice(prefix.length).includes("/")) paths.add(path);
    }
    for (const path of paths) if (!pending.has(path)) pending.set(path, { modified: false });
  }

  chain = scan(options.root);
  try {
    await chain;
  } catch (error) {
    close();
    throw error;
  }
  return { close };
}

async function snapshotIfPresent(path: string): Promise<EntrySnapshot | undefined> {
  try {
    return snapshotOf(await lstat(path, { bigint: true }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function takeAll<T>(set: Set<T>): T[] {
  const items = [...set];
  set.clear();
  return items;
}
