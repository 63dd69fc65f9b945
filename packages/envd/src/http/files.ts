// STUB: replaced by the /files implementation.
import type { Identity } from "../identity.js";
import type { Logger } from "../log.js";
import type { EnvdState } from "../state.js";
import type { UserDirectory } from "../users.js";
import { HttpError, type HttpHandler } from "./respond.js";

export interface FilesDeps {
  state: EnvdState;
  users: UserDirectory;
  identity: Identity;
  log: Logger;
}

export function filesHandlers(_deps: FilesDeps): { download: HttpHandler; upload: HttpHandler } {
  const notYet: HttpHandler = () => {
    throw new HttpError(501, "not implemented");
  };
  return { download: notYet, upload: notYet };
}
