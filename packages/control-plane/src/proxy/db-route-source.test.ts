import { type HostId, newSandboxId, type TeamId } from "@wrenn/shared";
import { describe, expect, it } from "vitest";
import type { Host } from "../db/queries/hosts.js";
import type { Sandbox } from "../db/queries/sandboxes.js";
import { createDbRouteSource } from "./db-route-source.js";

const HOST: Host = {
  id: "host-00000000-0000-4000-8000-000000000001" as HostId,
  address: "127.0.0.1:7070",
  status: "online",
  lastHeartbeatAt: null,
  createdAt: new Date(0),
};

function sandboxIn(state: Sandbox["state"]): Sandbox {
  return {
    id: newSandboxId(),
    teamId: "team-x" as TeamId,
    templateId: null,
    hostId: HOST.id,
    createdBy: null,
    state,
    statusReason: null,
    vcpus: 1,
    memoryMb: 512,
    diskSizeMb: 20480,
    timeoutMs: 300_000,
    endAt: null,
    metadata: {},
    envVarsSealed: null,
    autoPause: true,
    autoResume: true,
    allowInternetAccess: true,
    egress: { allowOut: [], denyOut: [] },
    envdAccessTokenHash: null,
    trafficAccessTokenHash: "ab",
    tokenGeneration: 0,
    createdAt: new Date(0),
    startedAt: null,
    updatedAt: new Date(0),
  };
}

function sourceFor(sandbox: Sandbox) {
  const resumed: Sandbox[] = [];
  const source = createDbRouteSource(
    {
      sandboxes: { get: async (id) => (id === sandbox.id ? sandbox : null) },
      hosts: { get: async (id) => (id === HOST.id ? HOST : null) },
    },
    async (paused) => {
      resumed.push(paused);
      return { ...paused, state: "running" };
    },
  );
  return { source, resumed };
}

describe("database route source", () => {
  it("routes a running sandbox to its host's agent", async () => {
    const running = sandboxIn("running");
    const { source } = sourceFor(running);
    expect(await source(running.id, "traffic")).toEqual({
      sandboxId: running.id,
      hostId: HOST.id,
      agentOrigin: "http://127.0.0.1:7070",
      trafficTokenHash: "ab",
    });
  });

  it("resumes an auto-resume sandbox for traffic, never for a prefetch", async () => {
    const paused = sandboxIn("paused");
    const { source, resumed } = sourceFor(paused);
    expect(await source(paused.id, "prefetch")).toBeNull();
    expect(resumed).toEqual([]);
    expect(await source(paused.id, "traffic")).toMatchObject({ sandboxId: paused.id });
    expect(resumed.map((s) => s.id)).toEqual([paused.id]);
  });
});
