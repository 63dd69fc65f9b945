import { join, relative } from "node:path";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { EventType, type FilesystemEventSchema } from "@wrenn/proto/envd/filesystem";
import type { EntryInfoReader } from "./entry-info.js";
import { isNotFound } from "./fs-errors.js";
import type { WatchEvent } from "./watch-diff.js";

export type FilesystemEventInit = MessageInitShape<typeof FilesystemEventSchema>;

const WITH_ENTRY = new Set([EventType.CREATE, EventType.WRITE, EventType.CHMOD]);

export interface EventContext {
  entries: EntryInfoReader;
  /** The real directory watched, against which event paths are relative. */
  root: string;
  /** The directory as the client named it, for the paths in entries. */
  shownRoot: string;
  includeEntry: boolean;
}

/** A watch event as the wire message: name relative to the watched dir, entry on request. */
export async function toFilesystemEvent(
  context: EventContext,
  event: WatchEvent,
): Promise<FilesystemEventInit> {
  const name = relative(context.root, event.path);
  if (!context.includeEntry || !WITH_ENTRY.has(event.type)) return { name, type: event.type };
  try {
    const displayPath = join(context.shownRoot, name);
    return {
      name,
      type: event.type,
      entry: await context.entries.read(event.path, { displayPath }),
    };
  } catch (error) {
    // Gone again before we looked: the event stands, without an entry (as the SDK allows).
    if (isNotFound(error)) return { name, type: event.type };
    throw error;
  }
}
