import { type HostId, type SandboxState, type TeamId, UnavailableError } from "@wrenn/shared";
import type { Host, HostQueries } from "../../db/queries/hosts.js";
import type { SandboxQueries } from "../../db/queries/sandboxes.js";

/** What a new sandbox needs from a host; hosts do not report capacity yet, so only counts. */
export interface Placement {
  readonly teamId: TeamId;
  readonly vcpus: number;
  readonly memoryMb: number;
}

export interface Scheduler {
  /** A ready host for a new sandbox; UnavailableError when there is none. */
  pick(placement: Placement): Promise<Host>;
}

/** Sandboxes that occupy a host (memory, a network slot, or disk while paused). */
export const PLACED_STATES: readonly SandboxState[] = [
  "pending",
  "starting",
  "running",
  "pausing",
  "paused",
  "resuming",
];

/**
 * Least loaded first (fewest placed sandboxes); hosts tied on load take turns (round robin),
 * so a burst of creates on an idle cluster spreads instead of piling onto the first host.
 * `cursor` is the number of picks made so far.
 */
export function chooseHost(
  hosts: readonly Host[],
  load: ReadonlyMap<HostId, number>,
  cursor: number,
): Host | null {
  if (hosts.length === 0) return null;
  const loadOf = (host: Host) => load.get(host.id) ?? 0;
  const least = Math.min(...hosts.map(loadOf));
  const tied = hosts.filter((host) => loadOf(host) === least);
  return tied[cursor % tied.length] ?? null;
}

export function createScheduler(deps: {
  readonly hosts: Pick<HostQueries, "list">;
  readonly sandboxes: Pick<SandboxQueries, "countByHost">;
}): Scheduler {
  let picks = 0;
  return {
    async pick() {
      const hosts = await deps.hosts.list(["online"]);
      // One host (single-host mode) is the pick whatever its load: no count to make.
      const load =
        hosts.length > 1
          ? await deps.sandboxes.countByHost(PLACED_STATES)
          : new Map<HostId, number>();
      const host = chooseHost(hosts, load, picks++);
      if (!host) {
        throw new UnavailableError(
          "no host agent is online to run sandboxes; start the server with its embedded agent " +
            "(WRENN_EMBEDDED_AGENT, on by default) or register a host",
        );
      }
      return host;
    },
  };
}
