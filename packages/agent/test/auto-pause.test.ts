import { Code } from "@connectrpc/connect";
import { SandboxStatus } from "@wrenn/proto/hostagent/v1";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type AgentClient, startAgentInProcess, TEST_TEAM, text } from "./helpers/agent.js";
import {
  bufferDigest,
  codeOf,
  expectCounting,
  expectNothingRunning,
  readCount,
  startCounter,
} from "./helpers/checkpoint.js";
import { expectNoLeftovers } from "./helpers/leaks.js";

describe("a sandbox's timeout", () => {
  let env: Awaited<ReturnType<typeof startAgentInProcess>>;
  let client: AgentClient;

  beforeAll(async () => {
    env = await startAgentInProcess();
    client = env.client;
  });
  afterAll(async () => {
    await env?.agent.stop();
  });

  it("pauses a sandbox created with auto-pause, memory kept", async () => {
    const created = await client.createSandbox({
      teamId: TEST_TEAM,
      memoryMib: 256,
      timeoutSeconds: 60,
      autoPause: true,
    });
    const sandboxId = created.sandbox!.sandboxId;
    const counter = await startCounter(client, sandboxId, { bufferMiB: 16 });
    await client.writeFile({ sandboxId, path: "/home/user/a.txt", content: Buffer.from("kept") });
    const countBefore = await readCount(client, sandboxId, counter.dir);
    // Set once the process runs, so a slow start cannot race the end.
    await client.setSandboxTimeout({ sandboxId, timeoutSeconds: 2 });

    await vi.waitFor(
      async () =>
        expect((await client.getSandbox({ sandboxId })).sandbox?.status).toBe(SandboxStatus.PAUSED),
      { timeout: 30_000, interval: 100 },
    );
    expectNothingRunning(sandboxId, undefined);

    const resumed = await client.resumeSandbox({ sandboxId, timeoutSeconds: 300 });
    expect(resumed.sandbox?.status).toBe(SandboxStatus.RUNNING);
    await expectCounting(client, sandboxId, counter.dir, countBefore);
    expect(await bufferDigest(client, sandboxId, counter.dir)).toBe(counter.digest);
    const file = await client.readFile({ sandboxId, path: "/home/user/a.txt" });
    expect(text(file.content)).toBe("kept");
    // The new end time holds: the reaper leaves it running.
    await env.agent.manager.reaper.tick();
    expect((await client.getSandbox({ sandboxId })).sandbox?.status).toBe(SandboxStatus.RUNNING);

    await client.destroySandbox({ sandboxId });
    expectNoLeftovers(sandboxId);
  });

  it("kills a sandbox created without auto-pause", async () => {
    const created = await client.createSandbox({
      teamId: TEST_TEAM,
      memoryMib: 256,
      timeoutSeconds: 2,
    });
    const sandboxId = created.sandbox!.sandboxId;
    await vi.waitFor(
      async () => expect((await codeOf(client.getSandbox({ sandboxId }))).code).toBe(Code.NotFound),
      { timeout: 30_000, interval: 100 },
    );
    expectNoLeftovers(sandboxId);
  });
});
