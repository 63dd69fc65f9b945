import http from "node:http";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import { type AgentClient, sh, startAgentInProcess, TEST_TEAM } from "./helpers/agent.js";
import { expectNoLeftovers } from "./helpers/leaks.js";
import { httpServerScript, wsEchoScript } from "./helpers/servers.js";

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

describe("a sandbox from create to destroy", () => {
  let env: Awaited<ReturnType<typeof startAgentInProcess>>;
  let client: AgentClient;
  let sandboxId: string;

  beforeAll(async () => {
    env = await startAgentInProcess();
    client = env.client;
  });
  afterAll(async () => {
    await env?.agent.stop();
  });

  it("creates a running sandbox from the base template", async () => {
    const created = await client.createSandbox({
      teamId: TEST_TEAM,
      templateId: "base",
      vcpus: 1,
      memoryMib: 512,
      timeoutSeconds: 600,
      envVars: { GREETING: "hi there" },
      metadata: { purpose: "lifecycle-test" },
    });
    sandboxId = created.sandbox!.sandboxId;
    expect(sandboxId).toMatch(/^cl-[0-9a-z]{25}$/);
    const listed = await client.listSandboxes({});
    expect(listed.sandboxes.map((s) => s.sandboxId)).toContain(sandboxId);
    const got = await client.getSandbox({ sandboxId });
    expect(got.sandbox?.metadata).toEqual({ purpose: "lifecycle-test" });
  });

  it("runs python as the default user, with the sandbox's env vars", async () => {
    const result = await sh(
      client,
      sandboxId,
      "python3 -c \"import os; print(6*7, os.getuid(), os.environ['GREETING'])\"; whoami",
    );
    expect(result).toMatchObject({ exitCode: 0, stdout: "42 1000 hi there\nuser\n" });
    const root = await sh(client, sandboxId, "id -u", "root");
    expect(root.stdout.trim()).toBe("0");
    const failing = await sh(client, sandboxId, "echo oops >&2; exit 3");
    expect(failing).toMatchObject({ exitCode: 3, stderr: "oops\n" });
  });

  it("writes, reads, lists and removes files", async () => {
    const content = Buffer.from("wrenn files ✓\n".repeat(1000));
    await client.writeFile({ sandboxId, path: "/home/user/data/notes.txt", content });
    const read = await client.readFile({ sandboxId, path: "/home/user/data/notes.txt" });
    expect(Buffer.from(read.content).equals(content)).toBe(true);
    const owner = await sh(client, sandboxId, "stat -c %U /home/user/data/notes.txt");
    expect(owner.stdout.trim()).toBe("user");
    const listed = await client.listDir({ sandboxId, path: "/home/user/data", depth: 1 });
    expect(listed.entries.map((e) => [e.name, e.type])).toEqual([["notes.txt", "file"]]);
    expect((await client.makeDir({ sandboxId, path: "/home/user/data/sub" })).created).toBe(true);
    expect((await client.makeDir({ sandboxId, path: "/home/user/data/sub" })).created).toBe(false);
    await client.removePath({ sandboxId, path: "/home/user/data" });
    await expect(client.readFile({ sandboxId, path: "/home/user/data/notes.txt" })).rejects.toThrow(
      /not found/,
    );
  });

  it("streams a larger file in chunks both ways", async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    async function* chunks() {
      yield {
        event: {
          case: "start" as const,
          value: { sandboxId, path: "/tmp/big.bin", user: "", content: new Uint8Array() },
        },
      };
      for (let i = 0; i < big.length; i += 512 * 1024) {
        yield { event: { case: "chunk" as const, value: big.subarray(i, i + 512 * 1024) } };
      }
    }
    const written = await client.writeFileStream(chunks());
    expect(Number(written.sizeBytes)).toBe(big.length);
    let total = 0;
    for await (const part of client.readFileStream({ sandboxId, path: "/tmp/big.bin" }))
      total += part.chunk.length;
    expect(total).toBe(big.length);
  });

  it("reaches an HTTP server in the sandbox through the port proxy", async () => {
    await client.writeFile({
      sandboxId,
      path: "/tmp/srv.py",
      content: Buffer.from(httpServerScript(8000)),
    });
    await sh(client, sandboxId, "nohup python3 /tmp/srv.py >/dev/null 2>&1 &");
    const url = `${env.url}/proxy/${sandboxId}/8000/some/path?x=1`;
    await vi.waitFor(async () => expect((await get(url)).status).toBe(200), {
      timeout: 15_000,
      interval: 200,
    });
    expect((await get(url)).body).toBe("hello from 8000 path=/some/path?x=1");
    const missing = await get(`${env.url}/proxy/cl-${"0".repeat(25)}/8000/`);
    expect(missing.status).toBe(502);
  });

  it("carries a WebSocket echo through the port proxy", async () => {
    await client.writeFile({
      sandboxId,
      path: "/tmp/ws.py",
      content: Buffer.from(wsEchoScript(8001)),
    });
    await sh(client, sandboxId, "nohup python3 /tmp/ws.py >/dev/null 2>&1 &");
    const url = `ws://127.0.0.1:${env.port}/proxy/${sandboxId}/8001/`;
    const echoed = await vi.waitFor(
      () =>
        new Promise<string>((resolve, reject) => {
          const ws = new WebSocket(url);
          ws.once("open", () => ws.send("ping through the proxy"));
          ws.once("message", (data) => {
            resolve(String(data));
            ws.close();
          });
          ws.once("error", reject);
        }),
      { timeout: 15_000, interval: 300 },
    );
    expect(echoed).toBe("ping through the proxy");
  });

  it("reports metrics from the sandbox's cgroup", async () => {
    const metrics = await client.getSandboxMetrics({ sandboxId, fresh: true });
    const last = metrics.samples.at(-1)!;
    expect(last.cpuCount).toBe(1);
    expect(Number(last.memoryTotalBytes)).toBe(512 * 1024 * 1024);
    expect(Number(last.memoryUsedBytes)).toBeGreaterThan(0);
    expect(Number(last.diskTotalBytes)).toBeGreaterThan(1e9);
    expect(Number(last.netRxBytes) + Number(last.netTxBytes)).toBeGreaterThan(0);
  });

  it("replaces the end time on set-timeout", async () => {
    const before = await client.getSandbox({ sandboxId });
    const updated = await client.setSandboxTimeout({ sandboxId, timeoutSeconds: 30 });
    const endAt = Number(updated.sandbox!.endAt!.seconds);
    expect(endAt).toBeLessThan(Number(before.sandbox!.endAt!.seconds));
    expect(Math.abs(endAt - Date.now() / 1000 - 30)).toBeLessThan(3);
  });

  it("destroys it and leaves nothing behind", async () => {
    await client.destroySandbox({ sandboxId });
    await expect(client.getSandbox({ sandboxId })).rejects.toThrow(/not found/);
    expectNoLeftovers(sandboxId);
    await expect(client.destroySandbox({ sandboxId })).rejects.toThrow(/not found/);
  });
});
