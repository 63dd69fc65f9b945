import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "../../log.js";
import type { User } from "../../users.js";
import type { AccessChecker } from "./can-access.js";
import { type DirWatcher, startDirWatcher } from "./dir-watcher.js";
import type { EntryInfoReader } from "./entry-info.js";
import { toConnectError } from "./fs-errors.js";
import { type FilesystemEventInit, toFilesystemEvent } from "./watch-events.js";
import { openWatchRoot } from "./watch-root.js";

/** Events kept for a watcher nobody polls; older ones are dropped beyond this. */
const MAX_BUFFERED_EVENTS = 10_000;

interface PollingWatcher {
  buffer: FilesystemEventInit[];
  /** Event conversion runs in order; polls wait for what already happened. */
  pending: Promise<void>;
  ended: ConnectError | undefined;
  dropped: number;
  /** Set once started; events can only arrive after that. */
  watcher: DirWatcher | undefined;
}

export interface CreateWatcherRequest {
  user: User;
  path: string;
  recursive: boolean;
  includeEntry: boolean;
  allowNetworkMounts: boolean;
}

/**
 * CreateWatcher / GetWatcherEvents / RemoveWatcher, for clients that cannot hold a stream
 * open: the same watcher as WatchDir, buffering events until polled.
 */
export function createPollingWatchers(deps: {
  access: AccessChecker;
  entries: EntryInfoReader;
  log: Logger;
}) {
  const watchers = new Map<string, PollingWatcher>();

  async function create(request: CreateWatcherRequest): Promise<string> {
    const { user, path } = request;
    const root = await openWatchRoot(deps, request);
    const id = randomUUID();
    const context = {
      entries: deps.entries,
      root,
      shownRoot: path,
      includeEntry: request.includeEntry,
    };
    const state: PollingWatcher = {
      buffer: [],
      pending: Promise.resolve(),
      ended: undefined,
      dropped: 0,
      watcher: undefined,
    };
    const end = (error: ConnectError) => {
      state.ended ??= error;
      state.watcher?.close();
    };
    state.watcher = await startDirWatcher({
      root,
      recursive: request.recursive,
      onEvents: (events) => {
        state.pending = state.pending
          .then(async () => {
            for (const event of events) append(id, state, await toFilesystemEvent(context, event));
          })
          .catch((error: unknown) => end(toConnectError(error, path)));
      },
      onError: (error) => end(toConnectError(error, path)),
      onRootGone: () =>
        end(new ConnectError(`watched directory was removed: ${path}`, Code.NotFound)),
    });
    watchers.set(id, state);
    deps.log.debug({ watcherId: id, path, user: user.name }, "polling watcher created");
    return id;
  }

  function append(id: string, state: PollingWatcher, event: FilesystemEventInit): void {
    state.buffer.push(event);
    if (state.buffer.length <= MAX_BUFFERED_EVENTS) return;
    state.buffer.shift();
    if (state.dropped++ === 0) {
      deps.log.warn(
        { watcherId: id, limit: MAX_BUFFERED_EVENTS },
        "watcher not polled, dropping events",
      );
    }
  }

  /** Drains the buffer; once a watcher has ended and been drained, it is gone. */
  async function take(id: string): Promise<FilesystemEventInit[]> {
    const state = lookup(id);
    await state.pending;
    const events = state.buffer.splice(0);
    state.dropped = 0;
    if (events.length === 0 && state.ended) {
      watchers.delete(id);
      throw state.ended;
    }
    return events;
  }

  function remove(id: string): void {
    lookup(id).watcher?.close();
    watchers.delete(id);
  }

  function lookup(id: string): PollingWatcher {
    const state = watchers.get(id);
    if (!state) throw new ConnectError(`watcher not found: ${id}`, Code.NotFound);
    return state;
  }

  function closeAll(): void {
    for (const state of watchers.values()) state.watcher?.close();
    watchers.clear();
  }

  return { create, take, remove, closeAll };
}

export type PollingWatchers = ReturnType<typeof createPollingWatchers>;
