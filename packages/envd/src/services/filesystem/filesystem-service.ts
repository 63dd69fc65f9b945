// STUB: replaced by the filesystem service.
import type { ServiceImpl } from "@connectrpc/connect";
import type { Filesystem } from "@wrenn/proto/envd/filesystem";
import type { Identity } from "../../identity.js";
import type { Logger } from "../../log.js";
import type { EnvdState } from "../../state.js";
import type { UserDirectory } from "../../users.js";

export interface FilesystemServiceDeps {
  state: EnvdState;
  users: UserDirectory;
  identity: Identity;
  log: Logger;
}

export function createFilesystemService(_deps: FilesystemServiceDeps): {
  impl: Partial<ServiceImpl<typeof Filesystem>>;
  shutdown(): void;
} {
  return { impl: {}, shutdown() {} };
}
