import type { Logger } from "pino";
import { CommandError, exec } from "../exec.js";
import { isErrno } from "./errno.js";
import { inNetns } from "./firewall.js";

export interface Conntrack {
  /** False when the `conntrack` tool (Debian package `conntrack`) is not installed. */
  readonly available: boolean;
  /**
   * Forgets a released slot's connections, on the host and inside its netns, so the next
   * sandbox in the slot inherits no ESTABLISHED state past its own policy. No-op when unavailable.
   */
  flushSlot(
    slot: { sandboxAddress: string; netnsPath: string },
    signal?: AbortSignal,
  ): Promise<void>;
  /** The host's entries only: for a slot being destroyed, whose netns goes with its table. */
  flushHost(sandboxAddress: string, signal?: AbortSignal): Promise<void>;
}

/** Looks for the conntrack tool once; without it, stale entries simply time out. */
export async function probeConntrack(deps: {
  log: Logger;
  signal?: AbortSignal;
}): Promise<Conntrack> {
  const available = await hasConntrack(deps.signal);
  if (!available) {
    deps.log.warn(
      "conntrack not installed: connection tracking entries of a released slot are not flushed",
    );
  }
  const flushHost = async (address: string, signal?: AbortSignal) => {
    if (!available) return;
    await Promise.all([
      deleteEntries(["conntrack", "-D", "-s", address], signal),
      deleteEntries(["conntrack", "-D", "-d", address], signal),
    ]);
  };
  return {
    available,
    flushHost,
    async flushSlot(slot, signal) {
      if (!available) return;
      await Promise.all([
        flushHost(slot.sandboxAddress, signal),
        exec(inNetns(slot.netnsPath, ["conntrack", "-F"]), { signal }),
      ]);
    },
  };
}

async function hasConntrack(signal?: AbortSignal): Promise<boolean> {
  try {
    await exec(["conntrack", "--version"], { signal });
    return true;
  } catch (error) {
    if (error instanceof CommandError && isErrno(error.cause, "ENOENT")) return false;
    throw error;
  }
}

/** `conntrack -D` exits 1 when nothing matched (1.4.7): that is success here, other failures are not. */
async function deleteEntries(argv: readonly string[], signal?: AbortSignal): Promise<void> {
  const result = await exec(argv, { signal, okCodes: [1] });
  if (result.code === 1 && !/\b0 flow entries have been deleted/.test(result.stderr)) {
    throw new CommandError(argv, result.code, result.stderr);
  }
}
