import type { Identity } from "../identity.js";
import type { Logger } from "../log.js";
import type { AccessChecker } from "../services/filesystem/can-access.js";
import type { MetadataStore } from "../services/filesystem/metadata-store.js";
import type { EnvdState } from "../state.js";
import type { User } from "../users.js";
import { HttpError, type Request } from "./respond.js";

/** What the /files handlers share. */
export interface FilesContext {
  state: EnvdState;
  identity: Identity;
  log: Logger;
  access: AccessChecker;
  metadata: MetadataStore;
}

/** The `username` query parameter's user, else envd's default user. */
export function fileUser(context: FilesContext, url: URL): User {
  const name = url.searchParams.get("username");
  const user = context.identity.fromUsername(name);
  if (user) return user;
  if (name) throw new HttpError(401, `invalid username: '${name}'`);
  if (!context.state.defaultUser) throw new HttpError(400, "no user specified");
  throw new HttpError(401, `invalid username: '${context.state.defaultUser}'`);
}

export function requestHeader(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
