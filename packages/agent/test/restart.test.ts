import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import type { SandboxId } from "@wrenn/shared";
import { afterAll, describe, expect, it } from "vitest";
import {
  type AgentClient,
  sh,
  startAgentInProcess,
  startAgentProcess,
  TEST_TEAM,
} from "./helpers/agent.js";
import { expectNoLeftovers } from "./helpers/leaks.js";
import { testWrennDir } from "./helpers/wrenn-dir.js";

const PORT = 17000 + Math.floor(Math.random() * 1000);

describe("the agent killed with SIGKILL and restarted", () => {
  let agent: Awaited<ReturnType<typeof startAgentProcess>> | undefined;
  let client: AgentClient;

  afterAll(async () => {
    if (agent && agent.child.exitCode === null) {
      const exited = new Promise((resolve) => agent!.child.once("exit", resolve));
      agent.child.kill("SIGTERM");
      await exited;
    }
  });

  it("finds its running sandboxes again and cleans up orphans", async () => {
    agent = await startAgentProcess(PORT);
    client = agent.client;
    const kept = (
      await client.createSandbox({ teamId: TEST_TEAM, templateId: "base", memoryMib: 256 })
    ).sandbox!;
    await sh(
      client,
      kept.sandboxId,
      "echo 'before the crash' > /home/user/state.txt; nohup sleep 1000 >/dev/null 2>&1 &",
    );

    const killed = new Promise((resolve) => agent!.child.once("exit", resolve));
    agent.child.kill("SIGKILL");
    await killed;

    // An orphan a crash mid-create could leave: a sandbox directory with no record and no container.
    const orphan = `cl-${"2".repeat(25)}`;
    mkdirSync(`${testWrennDir()}/sandboxes/${orphan}/bundle`, { recursive: true });

    agent = await startAgentProcess(PORT);
    client = agent.client;
    const listed = await client.listSandboxes({});
    expect(listed.sandboxes.map((s) => s.sandboxId)).toContain(kept.sandboxId);
    const state = await sh(
      client,
      kept.sandboxId,
      "cat /home/user/state.txt; pgrep -x sleep >/dev/null && echo sleeping",
    );
    expect(state.stdout).toBe("before the crash\nsleeping\n");
    expect(existsSync(`${testWrennDir()}/sandboxes/${orphan}`)).toBe(false);

    await client.destroySandbox({ sandboxId: kept.sandboxId });
    expectNoLeftovers(kept.sandboxId);
  });
});

describe("an agent restarted after a running sandbox lost its network", () => {
  it("starts anyway and removes that sandbox, leaving nothing behind", async () => {
    const first = await startAgentInProcess();
    const { sandboxId } = (
      await first.client.createSandbox({ teamId: TEST_TEAM, templateId: "base", memoryMib: 256 })
    ).sandbox!;
    const slot = first.agent.manager.get(sandboxId as SandboxId).slot!;
    await first.agent.stop();
    // Someone removed the slot's namespace and veth while the agent was down.
    execFileSync("ip", ["netns", "delete", slot.netnsName]);
    execFileSync("ip", ["link", "delete", slot.hostVeth], { stdio: "ignore" });

    const second = await startAgentInProcess();
    try {
      expect(second.agent.manager.list().map((r) => r.id)).not.toContain(sandboxId);
      await expect(second.client.getSandbox({ sandboxId })).rejects.toThrow(/not found/);
      expectNoLeftovers(sandboxId);
    } finally {
      await second.agent.stop();
    }
  });
});
