import { type HostId, UnavailableError } from "@wrenn/shared";
import type { Host, HostQueries } from "../db/queries/hosts.js";
import { type AgentClient, createAgentClient } from "./agent-client.js";

/** One Connect client per host agent, found by the host's id. */
export interface HostClients {
  /** Throws UnavailableError when the host is not (or no longer) registered. */
  forHost(hostId: HostId): Promise<AgentClient>;
  /** `host:port` of the host's agent: its RPC and its port proxy (`/proxy/{id}/{port}/…`). */
  addressOf(hostId: HostId): Promise<string>;
  /** Records a host's current address (registration, the embedded agent's start). */
  remember(host: Pick<Host, "id" | "address">): void;
}

export function createHostClients(deps: {
  readonly hosts: Pick<HostQueries, "get">;
  /** Injectable for tests: a fake agent instead of a Connect client. */
  readonly connect?: (address: string) => AgentClient;
}): HostClients {
  const connect = deps.connect ?? createAgentClient;
  // Addresses change only when an agent restarts and registers again (remember), so the
  // database is read once per host, not on every exec or file call.
  const addresses = new Map<HostId, string>();
  const clients = new Map<string, AgentClient>();

  function clientAt(address: string): AgentClient {
    let client = clients.get(address);
    if (!client) {
      client = connect(address);
      clients.set(address, client);
    }
    return client;
  }

  async function addressOf(hostId: HostId): Promise<string> {
    let address = addresses.get(hostId);
    if (address === undefined) {
      const host = await deps.hosts.get(hostId);
      if (!host) throw new UnavailableError(`host ${hostId} is not registered`);
      address = host.address;
      addresses.set(hostId, address);
    }
    return address;
  }

  return {
    async forHost(hostId) {
      return clientAt(await addressOf(hostId));
    },
    addressOf,
    remember(host) {
      addresses.set(host.id, host.address);
    },
  };
}
