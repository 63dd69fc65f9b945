import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type Agent, createAgent, loadAgentConfig } from "@wrenn/agent";
import { type HostId, hostIds, newUuid } from "@wrenn/shared";
import type { Logger } from "pino";
import type { Config } from "../config.js";
import type { Host, HostQueries } from "../db/queries/hosts.js";

export interface EmbeddedAgent {
  readonly host: Host;
  /** The agent's port proxy, called in-process by the sandbox proxy for this host's sandboxes. */
  readonly portProxy: Agent["portProxy"];
  /** Stops the agent's server and background work; its sandboxes keep running. */
  stop(): Promise<void>;
}

const HOST_ID_FILE = "embedded-host-id";

/**
 * The host id of this data directory's agent, kept in a file beside the agent's own state:
 * the agent listens on a new port at every start, but its sandboxes (re-adopted from the same
 * directory) must stay placed on the same host row.
 */
async function loadOrCreateHostId(dataDir: string): Promise<HostId> {
  const path = join(dataDir, HOST_ID_FILE);
  try {
    await writeFile(path, `${newUuid()}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const raw = (await readFile(path, "utf8")).trim();
  try {
    return hostIds.parse(`host-${raw}`);
  } catch (error) {
    throw new Error(`${path} does not hold a UUID; delete it to make a new one`, { cause: error });
  }
}

/**
 * Single-host mode: the host agent in this process, on 127.0.0.1 and a free port, with its data
 * in WRENN_DIR, registered as an online host. Its first start builds the base template (about a
 * minute; progress in the log).
 */
export async function startEmbeddedAgent(deps: {
  readonly config: Config;
  readonly log: Logger;
  readonly hosts: Pick<HostQueries, "upsert" | "transition">;
}): Promise<EmbeddedAgent> {
  const { config, log } = deps;
  const agentConfig = loadAgentConfig(
    [
      "--listen",
      "127.0.0.1:0",
      "--data-dir",
      config.dataDir,
      "--log-level",
      config.logLevel,
      ...(config.envdDir ? ["--envd-dir", config.envdDir] : []),
    ],
    // Everything the embedded agent needs is passed as flags; it reads no environment.
    {},
  );
  if (agentConfig === "help") throw new Error("unreachable: --help was not passed");
  const hostId = await loadOrCreateHostId(config.dataDir);
  const agent = createAgent(agentConfig, log);
  const { port } = await agent.start();
  try {
    const host = await deps.hosts.upsert({ id: hostId, address: `127.0.0.1:${port}` });
    log.info({ hostId, address: host.address }, "embedded host agent registered");
    return {
      host,
      portProxy: agent.portProxy,
      async stop() {
        // Off the scheduler's list first, so nothing new is placed on an agent going away.
        await deps.hosts.transition(hostId, { from: ["online", "draining"], to: "unreachable" });
        await agent.stop();
      },
    };
  } catch (error) {
    await agent.stop();
    throw error;
  }
}
