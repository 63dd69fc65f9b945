import type { MessageInitShape } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import type { WatchDirRequest, WatchDirResponseSchema } from "@wrenn/proto/envd/filesystem";
import type { Identity } from "../../identity.js";
import { resolvePath } from "../../paths.js";
import type { EnvdState } from "../../state.js";
import { createAsyncQueue } from "./async-queue.js";
import type { AccessChecker } from "./can-access.js";
import { startDirWatcher } from "./dir-watcher.js";
import type { EntryInfoReader } from "./entry-info.js";
import { toConnectError } from "./fs-errors.js";
import type { WatchEvent } from "./watch-diff.js";
import { toFilesystemEvent } from "./watch-events.js";
import { openWatchRoot } from "./watch-root.js";

type WatchDirResponseInit = MessageInitShape<typeof WatchDirResponseSchema>;

export interface WatchStreamDeps {
  state: EnvdState;
  identity: Identity;
  access: AccessChecker;
  entries: EntryInfoReader;
  /** Aborted when envd shuts down: every open watch ends. */
  shutdown: AbortSignal;
}

/** Without a Keepalive-Ping-Interval header, infra's envd pings every 90 s. */
const DEFAULT_KEEPALIVE_S = 90;

type Item = { kind: "event"; event: WatchEvent } | { kind: "keepalive" };

/**
 * WatchDir: `start` first, then filesystem events and keepalives until the client aborts
 * or Connect-Timeout-Ms runs out; either way the stream ends cleanly (end-stream `{}`),
 * which the SDK reports as a normal exit.
 */
export async function* watchDirStream(
  deps: WatchStreamDeps,
  request: WatchDirRequest,
  ctx: HandlerContext,
): AsyncGenerator<WatchDirResponseInit> {
  const user = deps.identity.fromBasicAuth(ctx.requestHeader.get("authorization"));
  const path = resolvePath(request.path, user, deps.state.defaultWorkdir);
  const { recursive, allowNetworkMounts } = request;
  const root = await openWatchRoot(deps, { user, path, allowNetworkMounts }).catch(
    (error: unknown) => {
      throw toConnectError(error, path);
    },
  );
  const queue = createAsyncQueue<Item>();
  const watcher = await startDirWatcher({
    root,
    recursive,
    onEvents: (events) => {
      for (const event of events) queue.push({ kind: "event", event });
    },
    onError: (error) => queue.fail(toConnectError(error, path)),
    onRootGone: () => queue.close(),
  }).catch((error: unknown) => {
    throw toConnectError(error, path);
  });
  const intervalMs = keepaliveSeconds(ctx.requestHeader.get("keepalive-ping-interval")) * 1000;
  const keepalive = setInterval(() => queue.push({ kind: "keepalive" }), intervalMs);
  const stop = () => queue.close();
  // The client enforces the same deadline and reports it as an error; ending a little
  // before it lets the watch end cleanly, as a timeout is the watch's normal end.
  const timeoutMs = ctx.timeoutMs();
  const lifetime =
    timeoutMs === undefined
      ? undefined
      : setTimeout(stop, timeoutMs - Math.min(1000, timeoutMs / 10));
  ctx.signal.addEventListener("abort", stop, { once: true });
  deps.shutdown.addEventListener("abort", stop, { once: true });
  if (ctx.signal.aborted || deps.shutdown.aborted) stop();
  const context = {
    entries: deps.entries,
    root,
    shownRoot: path,
    includeEntry: request.includeEntry,
  };
  try {
    yield { event: { case: "start", value: {} } };
    for await (const item of queue) {
      if (item.kind === "keepalive") {
        yield { event: { case: "keepalive", value: {} } };
        continue;
      }
      const event = await toFilesystemEvent(context, item.event);
      yield { event: { case: "filesystem", value: event } };
      keepalive.refresh();
    }
  } finally {
    ctx.signal.removeEventListener("abort", stop);
    deps.shutdown.removeEventListener("abort", stop);
    clearInterval(keepalive);
    clearTimeout(lifetime);
    watcher.close();
  }
}

function keepaliveSeconds(header: string | null): number {
  const seconds = Number(header);
  return header !== null && Number.isInteger(seconds) && seconds > 0
    ? seconds
    : DEFAULT_KEEPALIVE_S;
}
