// STUB: replaced by the process service.
import type { ServiceImpl } from "@connectrpc/connect";
import type { Process } from "@wrenn/proto/envd/process";
import type { Identity } from "../../identity.js";
import type { Logger } from "../../log.js";
import type { EnvdState } from "../../state.js";
import type { UserDirectory } from "../../users.js";

export interface ProcessServiceDeps {
  state: EnvdState;
  users: UserDirectory;
  identity: Identity;
  log: Logger;
}

export function createProcessService(_deps: ProcessServiceDeps): {
  impl: Partial<ServiceImpl<typeof Process>>;
  shutdown(): void;
} {
  return { impl: {}, shutdown() {} };
}
