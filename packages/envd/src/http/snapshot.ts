// STUB: replaced by the /snapshot/prepare implementation.
import type { Logger } from "../log.js";
import { type HttpHandler, sendNoContent } from "./respond.js";

export function snapshotPrepareHandler(deps: {
  log: Logger;
  pauseBackgroundWork(): Promise<void>;
}): HttpHandler {
  return async (_req, res) => {
    await deps.pauseBackgroundWork();
    sendNoContent(res);
  };
}
