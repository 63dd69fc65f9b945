import type { Identity } from "../identity.js";
import type { Logger } from "../log.js";
import { createAccessChecker } from "../services/filesystem/can-access.js";
import {
  createMetadataStore,
  DEFAULT_METADATA_DIR,
} from "../services/filesystem/metadata-store.js";
import { createGroupResolver } from "../services/filesystem/user-groups.js";
import type { EnvdState } from "../state.js";
import type { UserDirectory } from "../users.js";
import { createDownloadHandler } from "./files-download.js";
import { createUploadHandler } from "./files-upload.js";
import type { HttpHandler } from "./respond.js";

export interface FilesDeps {
  state: EnvdState;
  users: UserDirectory;
  identity: Identity;
  log: Logger;
  /** Where upload metadata is kept; must match the filesystem service's. */
  metadataDir?: string;
}

/** GET and POST /files. Both check the token or URL signature themselves (files-auth.ts). */
export function filesHandlers(deps: FilesDeps): { download: HttpHandler; upload: HttpHandler } {
  const context = {
    state: deps.state,
    identity: deps.identity,
    log: deps.log.child({ component: "files" }),
    access: createAccessChecker({ groups: createGroupResolver() }),
    metadata: createMetadataStore({ dir: deps.metadataDir ?? DEFAULT_METADATA_DIR, log: deps.log }),
  };
  return { download: createDownloadHandler(context), upload: createUploadHandler(context) };
}
