import { EventType } from "@wrenn/proto/envd/filesystem";
import { describe, expect, it } from "vitest";
import { classifyChanges, type EntrySnapshot, type PathChange } from "./watch-diff.js";

const FILE = 0o100644;
const DIR = 0o040755;

function snap(ino: number, overrides: Partial<EntrySnapshot> = {}): EntrySnapshot {
  return {
    dev: 1n,
    ino: BigInt(ino),
    size: 0n,
    mtimeNs: 1n,
    ctimeNs: 1n,
    mode: FILE,
    uid: 1000,
    gid: 1000,
    ...overrides,
  };
}

function change(
  path: string,
  before?: EntrySnapshot,
  after?: EntrySnapshot,
  modified = false,
): PathChange {
  return { path, before, after, modified };
}

const types = (changes: PathChange[]) =>
  classifyChanges(changes).events.map((e) => [e.path, EventType[e.type]]);

describe("classifyChanges", () => {
  it("reports a new empty file as created, a new non-empty one as created and written", () => {
    expect(types([change("/a", undefined, snap(1))])).toEqual([["/a", "CREATE"]]);
    expect(types([change("/b", undefined, snap(2, { size: 3n }))])).toEqual([
      ["/b", "CREATE"],
      ["/b", "WRITE"],
    ]);
    expect(types([change("/d", undefined, snap(3, { mode: DIR, size: 4096n }))])).toEqual([
      ["/d", "CREATE"],
    ]);
  });

  it("tells writes from attribute changes on the same inode", () => {
    const before = snap(1, { size: 3n });
    expect(types([change("/a", before, snap(1, { size: 5n, mtimeNs: 2n, ctimeNs: 2n }))])).toEqual([
      ["/a", "WRITE"],
    ]);
    expect(
      types([change("/a", before, snap(1, { size: 3n, mode: 0o100600, ctimeNs: 2n }))]),
    ).toEqual([["/a", "CHMOD"]]);
    expect(types([change("/a", before, snap(1, { size: 3n, uid: 0 }))])).toEqual([["/a", "CHMOD"]]);
    expect(types([change("/a", before, snap(1, { size: 3n }), true)])).toEqual([["/a", "WRITE"]]);
    expect(types([change("/a", before, snap(1, { size: 3n }))])).toEqual([]);
  });

  it("ignores a directory's own size and time changes", () => {
    const dir = snap(1, { mode: DIR });
    expect(types([change("/d", dir, snap(1, { mode: DIR, mtimeNs: 9n, size: 8192n }))])).toEqual(
      [],
    );
    expect(types([change("/d", dir, snap(1, { mode: 0o040700 }))])).toEqual([["/d", "CHMOD"]]);
  });

  it("pairs an inode leaving one path and appearing at another as a rename", () => {
    const moved = snap(7, { size: 10n });
    const { events, renames } = classifyChanges([
      change("/old", moved),
      change("/new", undefined, moved),
    ]);
    expect(events.map((e) => [e.path, EventType[e.type]])).toEqual([
      ["/old", "RENAME"],
      ["/new", "CREATE"],
    ]);
    expect(renames).toEqual(new Map([["/old", "/new"]]));
  });

  it("reports removals, and a replaced inode as a create", () => {
    expect(types([change("/gone", snap(1))])).toEqual([["/gone", "REMOVE"]]);
    expect(types([change("/a", snap(1), snap(2, { size: 4n }))])).toEqual([
      ["/a", "CREATE"],
      ["/a", "WRITE"],
    ]);
  });
});
