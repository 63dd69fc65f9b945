import { readdirSync } from "node:fs";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentClient, startAgentInProcess, TEST_TEAM } from "./helpers/agent.js";
import { testWrennDir } from "./helpers/wrenn-dir.js";

async function codeOf(promise: Promise<unknown>): Promise<{ code: Code; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = ConnectError.from(error);
    return { code: e.code, message: e.rawMessage };
  }
  throw new Error("expected the call to fail");
}

describe("bad requests get clear errors and leave nothing behind", () => {
  let env: Awaited<ReturnType<typeof startAgentInProcess>>;
  let client: AgentClient;
  const sandboxDirs = () => readdirSync(`${testWrennDir()}/sandboxes`).sort();
  let before: string[];

  beforeAll(async () => {
    env = await startAgentInProcess();
    client = env.client;
    before = sandboxDirs();
  });
  afterAll(async () => {
    await env?.agent.stop();
  });

  it("unknown template: not found, naming what exists", async () => {
    const error = await codeOf(
      client.createSandbox({ teamId: TEST_TEAM, templateId: "no-such-template" }),
    );
    expect(error.code).toBe(Code.NotFound);
    expect(error.message).toMatch(/no-such-template/);
    expect(error.message).toMatch(/base/);
  });

  it("absurd limits: invalid argument listing every problem", async () => {
    const error = await codeOf(
      client.createSandbox({
        teamId: TEST_TEAM,
        templateId: "base",
        vcpus: 999,
        memoryMib: 9_999_999,
        diskMib: 1,
      }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.message).toMatch(/vcpus/);
    expect(error.message).toMatch(/memoryMiB/);
    expect(error.message).toMatch(/diskMiB/);
  });

  it("malformed ids and teams: invalid argument", async () => {
    expect((await codeOf(client.getSandbox({ sandboxId: "../../etc" }))).code).toBe(
      Code.InvalidArgument,
    );
    expect(
      (await codeOf(client.createSandbox({ teamId: "not-a-uuid", templateId: "base" }))).code,
    ).toBe(Code.InvalidArgument);
    expect(
      (
        await codeOf(
          client.createSandbox({ sandboxId: "cl-nope", teamId: TEST_TEAM, templateId: "base" }),
        )
      ).code,
    ).toBe(Code.InvalidArgument);
  });

  it("unknown sandbox: not found on every operation", async () => {
    const sandboxId = `cl-${"1".repeat(25)}`;
    for (const call of [
      client.getSandbox({ sandboxId }),
      client.destroySandbox({ sandboxId }),
      client.setSandboxTimeout({ sandboxId, timeoutSeconds: 10 }),
      client.exec({ sandboxId, cmd: "true" }),
      client.readFile({ sandboxId, path: "/etc/hostname" }),
      client.getSandboxMetrics({ sandboxId }),
    ]) {
      expect((await codeOf(call)).code).toBe(Code.NotFound);
    }
  });

  it("left no sandbox directories behind", () => {
    expect(sandboxDirs()).toEqual(before);
  });
});
