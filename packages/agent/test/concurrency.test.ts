import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentClient, sh, startAgentInProcess, TEST_TEAM } from "./helpers/agent.js";
import { expectNoLeftovers } from "./helpers/leaks.js";

describe("twenty concurrent creates", () => {
  let env: Awaited<ReturnType<typeof startAgentInProcess>>;
  let client: AgentClient;
  let ids: string[] = [];

  beforeAll(async () => {
    env = await startAgentInProcess();
    client = env.client;
  });
  afterAll(async () => {
    await env?.agent.stop();
  });

  it("all succeed, each with its own address, and all destroy cleanly", async () => {
    const created = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.createSandbox({
          teamId: TEST_TEAM,
          templateId: "base",
          memoryMib: 256,
          metadata: { n: String(i) },
        }),
      ),
    );
    ids = created.map((c) => c.sandbox!.sandboxId);
    expect(new Set(ids).size).toBe(20);
    expect(new Set(created.map((c) => c.sandbox!.hostAddress)).size).toBe(20);
    const outputs = await Promise.all(ids.map((id) => sh(client, id, "hostname; echo ok")));
    for (const output of outputs)
      expect(output).toMatchObject({ exitCode: 0, stdout: "sandbox\nok\n" });
    await Promise.all(ids.map((sandboxId) => client.destroySandbox({ sandboxId })));
    expect(
      (await client.listSandboxes({})).sandboxes.filter((s) => ids.includes(s.sandboxId)),
    ).toEqual([]);
    for (const id of ids) expectNoLeftovers(id);
  });
});
