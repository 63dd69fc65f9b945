import { existsSync, readFileSync } from "node:fs";
import { Code } from "@connectrpc/connect";
import { SandboxStatus } from "@wrenn/proto/hostagent/v1";
import type { SandboxId } from "@wrenn/shared";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type AgentClient,
  OTHER_TEAM,
  sh,
  startAgentInProcess,
  TEST_TEAM,
  text,
} from "./helpers/agent.js";
import {
  bufferDigest,
  codeOf,
  expectCounting,
  readCount,
  startCounter,
} from "./helpers/checkpoint.js";
import { expectNoLeftovers } from "./helpers/leaks.js";
import { testWrennDir } from "./helpers/wrenn-dir.js";

const templateDir = (templateId: string) =>
  `${testWrennDir()}/images/teams/${TEST_TEAM}/${templateId}`;

describe("snapshot templates", () => {
  let env: Awaited<ReturnType<typeof startAgentInProcess>>;
  let client: AgentClient;
  const suffix = Date.now().toString(36);
  const templateId = `snap-${suffix}`;
  const stackedId = `snap-stacked-${suffix}`;
  let sourceId: string;
  let counter: Awaited<ReturnType<typeof startCounter>>;
  let countAtSnapshot: number;
  const clones: string[] = [];
  const record = (id: string) => env.agent.manager.get(id as SandboxId);

  beforeAll(async () => {
    env = await startAgentInProcess();
    client = env.client;
    const source = await client.createSandbox({
      teamId: TEST_TEAM,
      templateId: "base",
      vcpus: 1,
      memoryMib: 384,
      envVars: { WHO: "source" },
      envdAccessToken: "source-token",
    });
    sourceId = source.sandbox!.sandboxId;
    counter = await startCounter(client, sourceId, { bufferMiB: 32 });
    await client.writeFile({
      sandboxId: sourceId,
      path: "/home/user/from-source.txt",
      content: Buffer.from("made before the snapshot\n"),
    });
    // A file of the base deleted in the source: its whiteout must carry into the template.
    await sh(client, sourceId, "rm /etc/issue.net", "root");
  });
  afterAll(async () => {
    for (const id of [...clones, sourceId]) {
      if (id && env.agent.manager.list().some((r) => r.id === id)) {
        await client.destroySandbox({ sandboxId: id });
      }
    }
    for (const id of [stackedId, templateId]) {
      await client.deleteSnapshot({ teamId: TEST_TEAM, templateId: id }).catch(() => undefined);
    }
    await env?.agent.stop();
  });

  it("stores the checkpoint and the upper layer as a team template, keeping the source paused", async () => {
    countAtSnapshot = await readCount(client, sourceId, counter.dir);
    const made = await client.createSnapshot({
      sandboxId: sourceId,
      teamId: TEST_TEAM,
      templateId,
      keepSource: true,
    });
    expect(made).toMatchObject({ templateId, vcpus: 1, memoryMib: 384 });
    expect(Number(made.sizeBytes)).toBeGreaterThan(32 * 1024 * 1024);
    expect((await client.getSandbox({ sandboxId: sourceId })).sandbox?.status).toBe(
      SandboxStatus.PAUSED,
    );
    const manifest = JSON.parse(readFileSync(`${templateDir(templateId)}/template.json`, "utf8"));
    expect(manifest).toMatchObject({
      id: templateId,
      kind: "snapshot",
      vcpus: 1,
      memoryMiB: 384,
      lowerLayers: [{ teamId: "00000000-0000-0000-0000-000000000000", templateId: "base" }],
    });
    expect(existsSync(`${templateDir(templateId)}/rootfs/home/user/from-source.txt`)).toBe(true);
    expect(existsSync(`${templateDir(templateId)}/checkpoint/inventory.img`)).toBe(true);
  });

  it("starts three sandboxes from it at once, each continuing the process on its own", async () => {
    const created = await Promise.all(
      [1, 2, 3].map((n) =>
        client.createSandbox({
          teamId: TEST_TEAM,
          templateId,
          // A snapshot's size is fixed: these are ignored.
          memoryMib: 1024,
          vcpus: 2,
          envVars: { WHO: `clone-${n}` },
          envdAccessToken: `clone-token-${n}`,
        }),
      ),
    );
    for (const c of created) clones.push(c.sandbox!.sandboxId);
    expect(created.map((c) => [c.sandbox?.memoryMib, c.sandbox?.vcpus])).toEqual([
      [384, 1],
      [384, 1],
      [384, 1],
    ]);
    expect(new Set(created.map((c) => c.sandbox?.hostAddress)).size).toBe(3);

    for (const [i, id] of clones.entries()) {
      // The snapshot's process, same pid, from the snapshot's count on, with its memory.
      const first = await readCount(client, id, counter.dir);
      expect(first).toBeGreaterThanOrEqual(countAtSnapshot);
      await expectCounting(client, id, counter.dir, first);
      expect(await bufferDigest(client, id, counter.dir)).toBe(counter.digest);
      const pid = await sh(client, id, `pgrep -f '[c]ounter/counter.py'`);
      expect(pid.stdout.trim()).toBe(String(counter.pid));
      expect((await sh(client, id, "echo $WHO")).stdout).toBe(`clone-${i + 1}\n`);
      expect(record(id).envdAccessToken).not.toBe(record(sourceId).envdAccessToken);
      expect(existsSync(`/sys/fs/cgroup/memory/wrenn/${id}`)).toBe(true);
      const notes = await client.readFile({ sandboxId: id, path: "/home/user/from-source.txt" });
      expect(text(notes.content)).toBe("made before the snapshot\n");
      expect((await sh(client, id, "ls /etc/issue.net 2>&1")).stdout).toMatch(/No such file/);
      await client.writeFile({
        sandboxId: id,
        path: "/home/user/mine.txt",
        content: Buffer.from(`clone ${i + 1}\n`),
      });
    }

    // Independent: stopping the counter in one leaves the others counting; files stay apart.
    const [a, b, c] = clones as [string, string, string];
    await sh(client, a, "pkill -f '[c]ounter/counter.py'");
    const stoppedAt = await readCount(client, a, counter.dir);
    await expectCounting(client, b, counter.dir, await readCount(client, b, counter.dir));
    await expectCounting(client, c, counter.dir, await readCount(client, c, counter.dir));
    expect(await readCount(client, a, counter.dir)).toBe(stoppedAt);
    for (const [i, id] of clones.entries()) {
      const mine = await client.readFile({ sandboxId: id, path: "/home/user/mine.txt" });
      expect(text(mine.content)).toBe(`clone ${i + 1}\n`);
    }
  });

  it("pauses and resumes a sandbox made from a snapshot, and snapshots it again (stacked)", async () => {
    const b = clones[1]!;
    const before = await readCount(client, b, counter.dir);
    await client.pauseSandbox({ sandboxId: b });
    await client.resumeSandbox({ sandboxId: b });
    await expectCounting(client, b, counter.dir, before);

    const stacked = await client.createSnapshot({
      sandboxId: b,
      teamId: TEST_TEAM,
      templateId: stackedId,
      keepSource: true,
    });
    expect(stacked.templateId).toBe(stackedId);
    const manifest = JSON.parse(readFileSync(`${templateDir(stackedId)}/template.json`, "utf8"));
    expect(manifest.lowerLayers).toEqual([
      { teamId: TEST_TEAM, templateId },
      { teamId: "00000000-0000-0000-0000-000000000000", templateId: "base" },
    ]);
    const grandchild = (await client.createSandbox({ teamId: TEST_TEAM, templateId: stackedId }))
      .sandbox!.sandboxId;
    clones.push(grandchild);
    await expectCounting(client, grandchild, counter.dir, before);
    const files = await sh(
      client,
      grandchild,
      "cat /home/user/from-source.txt /home/user/mine.txt",
    );
    expect(files.stdout).toBe("made before the snapshot\nclone 2\n");
    await client.resumeSandbox({ sandboxId: b });
  });

  it("refuses an existing name unless asked to overwrite, and a template in use", async () => {
    const taken = await codeOf(
      client.createSnapshot({
        sandboxId: clones[2]!,
        teamId: TEST_TEAM,
        templateId,
        keepSource: true,
      }),
    );
    expect(taken.code).toBe(Code.AlreadyExists);
    expect(taken.message).toMatch(/already exists; set overwrite/);
    const inUse = await codeOf(
      client.createSnapshot({
        sandboxId: clones[2]!,
        teamId: TEST_TEAM,
        templateId,
        keepSource: true,
        overwrite: true,
      }),
    );
    expect(inUse.code).toBe(Code.FailedPrecondition);
    expect(inUse.message).toMatch(/still used by sandboxes/);
    const otherTeam = await codeOf(
      client.createSnapshot({ sandboxId: clones[2]!, teamId: OTHER_TEAM, templateId: "theirs" }),
    );
    expect(otherTeam.code).toBe(Code.NotFound);
    // The failed attempts changed nothing.
    expect((await client.getSandbox({ sandboxId: clones[2]! })).sandbox?.status).toBe(
      SandboxStatus.RUNNING,
    );
  });

  it("deletes a snapshot only once no sandbox and no stacked template uses it", async () => {
    const used = await codeOf(client.deleteSnapshot({ teamId: TEST_TEAM, templateId }));
    expect(used.code).toBe(Code.FailedPrecondition);
    for (const id of clones.slice(0, 3)) expect(used.message).toContain(id);
    expect(used.message).not.toContain(sourceId);
    expect(used.message).toContain(`snapshot templates ${stackedId}`);

    const grandchild = clones.pop()!;
    await client.destroySandbox({ sandboxId: grandchild });
    await client.deleteSnapshot({ teamId: TEST_TEAM, templateId: stackedId });
    expect(existsSync(templateDir(stackedId))).toBe(false);
    expectNoLeftovers(grandchild);

    for (const id of clones.splice(0)) {
      await client.destroySandbox({ sandboxId: id });
      expectNoLeftovers(id);
    }
    // The kept source still resumes from its own image.
    await client.resumeSandbox({ sandboxId: sourceId });
    await expectCounting(client, sourceId, counter.dir, countAtSnapshot);

    // Overwrite, now that only the source (not made from it) is left; the source goes.
    const replaced = await client.createSnapshot({
      sandboxId: sourceId,
      teamId: TEST_TEAM,
      templateId,
      overwrite: true,
    });
    expect(replaced.templateId).toBe(templateId);
    await vi.waitFor(() =>
      expect(env.agent.manager.list().some((r) => r.id === sourceId)).toBe(false),
    );
    expectNoLeftovers(sourceId);

    await client.deleteSnapshot({ teamId: TEST_TEAM, templateId });
    expect(existsSync(templateDir(templateId))).toBe(false);
    const gone = await codeOf(client.createSandbox({ teamId: TEST_TEAM, templateId }));
    expect(gone.code).toBe(Code.NotFound);
    const again = await codeOf(client.deleteSnapshot({ teamId: TEST_TEAM, templateId }));
    expect(again.code).toBe(Code.NotFound);
  });
});
