// STUB: replaced by the port scanner and forwarder.
import type { EnvdConfig } from "../config.js";
import type { Logger } from "../log.js";

export function createPortForwarder(_deps: { config: EnvdConfig; log: Logger }) {
  return {
    start(): void {},
    async stop(): Promise<void> {},
  };
}
