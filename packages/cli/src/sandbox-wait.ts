import type { ApiClient } from "./api-client.js";
import { CliError, EXIT } from "./errors.js";
import { asSandbox, type SandboxView } from "./views.js";

/** States the server moves out of by itself; anything else is an outcome. */
const TRANSIENT = new Set(["pending", "starting", "pausing", "resuming", "stopping"]);

const POLL_INTERVAL_MS = 200;

export async function getSandbox(api: ApiClient, id: string): Promise<SandboxView> {
  return asSandbox(await api.json("GET", `/v1/sandboxes/${encodeURIComponent(id)}`));
}

/**
 * Polls until the sandbox leaves its transient state, then checks it reached `target`: a pause
 * the host refused returns to running, a failed start ends in error, and `stateReason` says why.
 */
export async function waitForState(options: {
  api: ApiClient;
  id: string;
  target: string;
  timeoutMs: number;
  onState?: (state: string) => void;
}): Promise<SandboxView> {
  const { api, id, target } = options;
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const sandbox = await getSandbox(api, id);
    options.onState?.(sandbox.state);
    if (!TRANSIENT.has(sandbox.state)) {
      if (sandbox.state === target) return sandbox;
      const reason = sandbox.stateReason ? `: ${sandbox.stateReason}` : "";
      throw new CliError(`sandbox ${id} is ${sandbox.state}, not ${target}${reason}`, {
        exitCode: EXIT.failure,
      });
    }
    if (Date.now() > deadline) {
      throw new CliError(
        `sandbox ${id} is still ${sandbox.state} after ${Math.round(options.timeoutMs / 1000)} s`,
        { exitCode: EXIT.failure },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
}
