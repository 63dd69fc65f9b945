import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Logger } from "../log.js";
import { type HttpHandler, sendNoContent } from "./respond.js";

/**
 * POST /snapshot/prepare: the host agent calls it right before a CRIU checkpoint. Background
 * work stops first (port forwarding closes its listening sockets, so CRIU has none of ours to
 * dump and a restore into another slot cannot collide on them); then a full GC shrinks the
 * heap CRIU writes out. /init starts the background work again after the resume.
 */
export function snapshotPrepareHandler(deps: {
  log: Logger;
  pauseBackgroundWork(): Promise<void>;
}): HttpHandler {
  let gc: (() => void) | undefined;
  return async (_req, res) => {
    const startedMs = Date.now();
    await deps.pauseBackgroundWork();
    gc ??= exposeGc();
    const heapUsedBeforeBytes = process.memoryUsage().heapUsed;
    gc();
    const heapUsedAfterBytes = process.memoryUsage().heapUsed;
    deps.log.info(
      { heapUsedBeforeBytes, heapUsedAfterBytes, durationMs: Date.now() - startedMs },
      "prepared for snapshot",
    );
    sendNoContent(res);
  };
}

/**
 * V8's full collector. envd is one bundled file started by a plain `node`, so it cannot rely
 * on --expose-gc on the command line: setting the flag at run time makes V8 install `gc` in
 * every context created afterwards, and a fresh vm context hands it over.
 */
export function exposeGc(): () => void {
  const existing: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof existing === "function") return existing as () => void;
  setFlagsFromString("--expose-gc");
  const gc: unknown = runInNewContext("gc");
  if (typeof gc !== "function") throw new Error("V8 did not expose gc after --expose-gc");
  return gc as () => void;
}
