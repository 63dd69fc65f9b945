import type { SandboxId } from "@wrenn/shared";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type AgentClient, startAgentInProcess, TEST_TEAM } from "./helpers/agent.js";
import { expectNoLeftovers } from "./helpers/leaks.js";

/*
 * A sandbox whose init dies behind the agent's back (OOM killer, a crash, someone's kill -9) must
 * not stay "running" with every call failing: the reaper notices and removes what is left.
 */
describe("a sandbox whose init dies", () => {
  let env: Awaited<ReturnType<typeof startAgentInProcess>>;
  let client: AgentClient;

  beforeAll(async () => {
    env = await startAgentInProcess();
    client = env.client;
  });
  afterAll(async () => {
    await env?.agent.stop();
  });

  it("is destroyed by the reaper, nothing left behind, and its neighbour keeps running", async () => {
    const [doomed, neighbour] = await Promise.all(
      [1, 2].map(async () => {
        const created = await client.createSandbox({ teamId: TEST_TEAM, templateId: "base" });
        return created.sandbox?.sandboxId as SandboxId;
      }),
    );
    const pid = env.agent.manager.get(doomed).pid;
    expect(pid).toBeGreaterThan(1);
    process.kill(pid as number, "SIGKILL");

    await vi.waitFor(
      () => expect(env.agent.manager.list().map((r) => r.id)).not.toContain(doomed),
      {
        timeout: 15_000,
        interval: 200,
      },
    );
    await expect(client.getSandbox({ sandboxId: doomed })).rejects.toThrow(/not found/);
    expectNoLeftovers(doomed);
    const alive = await client.exec({ sandboxId: neighbour, cmd: "echo", args: ["still here"] });
    expect(Buffer.from(alive.stdout).toString()).toBe("still here\n");
    await client.destroySandbox({ sandboxId: neighbour });
  });
});
