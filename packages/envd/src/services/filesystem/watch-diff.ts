import type { BigIntStats } from "node:fs";
import { EventType } from "@wrenn/proto/envd/filesystem";

/** What the watcher remembers of an entry, to tell what a notification changed. */
export interface EntrySnapshot {
  readonly dev: bigint;
  readonly ino: bigint;
  readonly size: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export function snapshotOf(stats: BigIntStats): EntrySnapshot {
  return {
    dev: stats.dev,
    ino: stats.ino,
    size: stats.size,
    mtimeNs: stats.mtimeNs,
    ctimeNs: stats.ctimeNs,
    mode: Number(stats.mode),
    uid: Number(stats.uid),
    gid: Number(stats.gid),
  };
}

/** One path touched during a batch: its state before and after, absent when missing. */
export interface PathChange {
  readonly path: string;
  readonly before: EntrySnapshot | undefined;
  readonly after: EntrySnapshot | undefined;
  /** A "change" notification (data or attributes) arrived, not only "rename". */
  readonly modified: boolean;
}

export interface WatchEvent {
  readonly path: string;
  readonly type: EventType;
}

export function isDirMode(mode: number): boolean {
  return (mode & 0o170000) === 0o040000;
}

export function isFileMode(mode: number): boolean {
  return (mode & 0o170000) === 0o100000;
}

function inodeKey(s: EntrySnapshot): string {
  return `${s.dev}:${s.ino}`;
}

function sameInode(a: EntrySnapshot, b: EntrySnapshot): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * Turns a batch of before/after states into inotify-style events, per path in the order
 * create, rename, chmod, write, remove (as infra's envd sends them). An inode that left
 * one path and appeared at another within the batch is a rename: RENAME for the old
 * name, CREATE for the new one. `renames` maps old path → new path.
 */
export function classifyChanges(changes: readonly PathChange[]): {
  events: WatchEvent[];
  renames: Map<string, string>;
} {
  const left = new Map<string, string>();
  for (const c of changes) {
    if (c.before && (!c.after || !sameInode(c.before, c.after)))
      left.set(inodeKey(c.before), c.path);
  }
  const renames = new Map<string, string>();
  for (const c of changes) {
    if (!c.after || (c.before && sameInode(c.before, c.after))) continue;
    const from = left.get(inodeKey(c.after));
    if (from !== undefined && from !== c.path) renames.set(from, c.path);
  }
  const renamedTo = new Set(renames.values());
  const events: WatchEvent[] = [];
  for (const c of changes) {
    for (const type of eventTypesFor(c, renames, renamedTo)) events.push({ path: c.path, type });
  }
  return { events, renames };
}

function eventTypesFor(
  c: PathChange,
  renames: ReadonlyMap<string, string>,
  renamedTo: ReadonlySet<string>,
): EventType[] {
  const { before, after } = c;
  if (before && after && sameInode(before, after)) return changedInPlace(before, after, c.modified);
  const types: EventType[] = [];
  if (after) types.push(EventType.CREATE);
  if (before && renames.has(c.path)) types.push(EventType.RENAME);
  // A new file with content was also written to (inotify would report both); a file that
  // merely moved here was not.
  const written = after && isFileMode(after.mode) && (c.modified || after.size > 0n);
  if (written && !renamedTo.has(c.path)) types.push(EventType.WRITE);
  // An entry replaced by another inode (an atomic save) reads as a create, as with inotify.
  if (before && !after && !renames.has(c.path)) types.push(EventType.REMOVE);
  return types;
}

function changedInPlace(
  before: EntrySnapshot,
  after: EntrySnapshot,
  modified: boolean,
): EventType[] {
  const attributes =
    before.mode !== after.mode || before.uid !== after.uid || before.gid !== after.gid;
  // A directory's size and times move with its children; only its own attributes count.
  if (isDirMode(after.mode)) return attributes ? [EventType.CHMOD] : [];
  const data = before.size !== after.size || before.mtimeNs !== after.mtimeNs;
  const ctimeOnly = !data && before.ctimeNs !== after.ctimeNs;
  const types: EventType[] = [];
  if (attributes || ctimeOnly) types.push(EventType.CHMOD);
  // mtime has clock-tick granularity: a notified change that shows no difference at all was
  // most likely a write within the same tick.
  const unseenWrite = modified && !attributes && !ctimeOnly;
  if (data || unseenWrite) types.push(EventType.WRITE);
  return types;
}
