import { createHash, randomBytes } from "node:crypto";
import type { SandboxId, TeamId } from "@wrenn/shared";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { SandboxView, SandboxWithTokensView } from "../src/api/sandboxes/schemas.js";
import { hashApiKey } from "../src/auth/api-keys.js";
import { createAgentClient } from "../src/hosts/agent-client.js";
import { type RealServer, startRealServer } from "./helpers/e2b-server.js";

/*
 * The native API end to end: the real control plane with its embedded host agent and real
 * sandboxes, over HTTP. Each test makes its own team and sandboxes and destroys them.
 */

let server: RealServer;
let key: string;
let otherKey: string;
const created: string[] = [];

beforeAll(async () => {
  server = await startRealServer();
  key = await server.newTeamKey("native");
  otherKey = await server.newTeamKey("native-other");
});
afterAll(async () => {
  // Whatever a failed test left running goes too; stopped ones answer 202 as they are.
  for (const id of created) await call("DELETE", `/v1/sandboxes/${id}`);
  await server?.close();
});

async function call(
  method: string,
  path: string,
  options: {
    body?: unknown;
    apiKey?: string;
    raw?: RequestInit["body"];
    headers?: Record<string, string>;
  } = {},
): Promise<Response> {
  const headers: Record<string, string> = {
    "x-api-key": options.apiKey ?? key,
    ...options.headers,
  };
  let body: RequestInit["body"] = options.raw;
  if (options.body !== undefined) {
    headers["content-type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  return fetch(`${server.url}${path}`, { method, headers, ...(body !== undefined && { body }) });
}

async function json<T>(res: Response, status: number): Promise<T> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  return JSON.parse(text) as T;
}

async function createSandbox(body: Record<string, unknown> = {}): Promise<SandboxWithTokensView> {
  const sandbox = await json<SandboxWithTokensView>(
    await call("POST", "/v1/sandboxes", { body: { timeoutMs: 300_000, ...body } }),
    202,
  );
  created.push(sandbox.id);
  return sandbox;
}

/** Polls GET until the state is one of `states` (the lifecycle runs in the background). */
async function waitFor(id: string, states: string[], apiKey = key): Promise<SandboxView> {
  let last: SandboxView | undefined;
  await vi.waitFor(
    async () => {
      last = await json<SandboxView>(await call("GET", `/v1/sandboxes/${id}`, { apiKey }), 200);
      expect(states, JSON.stringify(last)).toContain(last.state);
    },
    { timeout: 150_000, interval: 200 },
  );
  if (!last) throw new Error("unreachable");
  return last;
}

async function exec(id: string, script: string) {
  const res = await call("POST", `/v1/sandboxes/${id}/exec`, {
    body: { cmd: "/bin/bash", args: ["-lc", script] },
  });
  return json<{ exitCode: number; stdout: string; stderr: string; error: string }>(res, 200);
}

/** The events of a server-sent event stream, parsed. */
async function sse(res: Response): Promise<{ event: string; data: Record<string, unknown> }[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
  const frames = (await res.text()).split("\n\n").filter((f) => f.trim() !== "");
  return frames.map((frame) => {
    const event = /^event: (.*)$/m.exec(frame)?.[1] ?? "";
    const data = JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? "{}") as Record<string, unknown>;
    return { event, data };
  });
}

describe("native sandbox lifecycle", () => {
  it("creates, runs commands, moves files, reports metrics, times out, pauses, resumes and deletes", async () => {
    const tag = randomBytes(4).toString("hex");
    const sandbox = await createSandbox({
      metadata: { suite: tag, role: "main" },
      envVars: { GREETING: "hello from env" },
    });
    expect(sandbox.state).toBe("pending");
    expect(sandbox.envdAccessToken).toMatch(/^[\w-]{43}$/);
    expect(sandbox.trafficAccessToken).toBeNull();
    const id = sandbox.id;

    const running = await waitFor(id, ["running", "error"]);
    expect(running.state, running.stateReason ?? "").toBe("running");
    expect(running.startedAt).not.toBeNull();
    // The token is shown once: GET never has it.
    expect(JSON.stringify(running)).not.toContain(sandbox.envdAccessToken);

    // Commands: unary, then streamed.
    const result = await exec(id, 'echo "$GREETING"; echo oops >&2; whoami; exit 3');
    expect(result).toEqual({
      exitCode: 3,
      stdout: "hello from env\nuser\n",
      stderr: "oops\n",
      error: "exit status 3",
    });
    expect((await exec(id, "true")).error).toBe("");
    const events = await sse(
      await call("POST", `/v1/sandboxes/${id}/exec/stream`, {
        body: { cmd: "/bin/bash", args: ["-lc", "echo one; sleep 0.2; echo two >&2; echo three"] },
      }),
    );
    expect(events[0]?.event).toBe("started");
    expect(events.at(-1)).toMatchObject({ event: "exit", data: { exitCode: 0, exited: true } });
    const out = (kind: string) =>
      events
        .filter((e) => e.event === kind)
        .map((e) => e.data.data)
        .join("");
    expect(out("stdout")).toBe("one\nthree\n");
    expect(out("stderr")).toBe("two\n");
    // stdin is written, then closed, for streamed commands too.
    const piped = await sse(
      await call("POST", `/v1/sandboxes/${id}/exec/stream`, {
        body: { cmd: "/usr/bin/wc", args: ["-c"], stdin: "twelve bytes" },
      }),
    );
    expect(piped.filter((e) => e.event === "stdout").map((e) => e.data.data)).toEqual(["12\n"]);

    // Files: a multipart upload and a raw one (3 MiB of random bytes), download, list, mkdir,
    // remove.
    const form = new FormData();
    form.append("file", new Blob(["multipart contents\n"]), "a.txt");
    const up = await call("PUT", `/v1/sandboxes/${id}/files?path=/home/user/dir/a.txt`, {
      raw: form,
    });
    expect(await json(up, 200)).toEqual({ path: "/home/user/dir/a.txt", sizeBytes: 19 });
    const blob = randomBytes(3 * 1024 * 1024);
    const raw = await call("PUT", `/v1/sandboxes/${id}/files?path=/home/user/dir/blob.bin`, {
      raw: blob,
      headers: { "content-type": "application/octet-stream" },
    });
    expect(await json(raw, 200)).toMatchObject({ sizeBytes: blob.length });
    const down = await call("GET", `/v1/sandboxes/${id}/files?path=/home/user/dir/blob.bin`);
    expect(down.status).toBe(200);
    const downloaded = Buffer.from(await down.arrayBuffer());
    const sha = (b: Buffer) => createHash("sha256").update(b).digest("hex");
    expect(sha(downloaded)).toBe(sha(blob));
    expect(
      await (await call("GET", `/v1/sandboxes/${id}/files?path=/home/user/dir/a.txt`)).text(),
    ).toBe("multipart contents\n");
    expect(down.headers.get("content-length")).toBe(String(blob.length));
    // A missing file fails before any byte is sent, as a JSON 404; a file the user may not
    // write is a 403; both with envd's words.
    const missing = await call("GET", `/v1/sandboxes/${id}/files?path=/home/user/nope`);
    expect(missing.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await json(missing, 404)).toMatchObject({
      code: 404,
      message: expect.stringContaining("nope"),
    });
    const denied = await call("PUT", `/v1/sandboxes/${id}/files?path=/etc/not-yours`, {
      raw: "x",
      headers: { "content-type": "application/octet-stream" },
    });
    expect(await json(denied, 403)).toMatchObject({ code: 403 });

    const list = await json<{ entries: { name: string; type: string; sizeBytes: number }[] }>(
      await call("GET", `/v1/sandboxes/${id}/files/list?path=/home/user/dir`),
      200,
    );
    expect(list.entries.map((e) => e.name).sort()).toEqual(["a.txt", "blob.bin"]);
    expect(list.entries.find((e) => e.name === "blob.bin")).toMatchObject({
      type: "file",
      sizeBytes: blob.length,
    });
    const mkdir = () =>
      call("POST", `/v1/sandboxes/${id}/files/mkdir`, { body: { path: "/home/user/made/deep" } });
    expect(await json(await mkdir(), 200)).toEqual({ created: true });
    expect(await json(await mkdir(), 200)).toEqual({ created: false });
    expect((await call("DELETE", `/v1/sandboxes/${id}/files?path=/home/user/made`)).status).toBe(
      204,
    );
    expect((await exec(id, "test -e /home/user/made; echo $?")).stdout).toBe("1\n");
    expect((await exec(id, "stat -c %U /home/user/dir/a.txt")).stdout).toBe("user\n");

    // Metrics.
    const metrics = await json<{ samples: { cpuCount: number; memoryTotalBytes: number }[] }>(
      await call("GET", `/v1/sandboxes/${id}/metrics?fresh=true`),
      200,
    );
    expect(metrics.samples.length).toBeGreaterThan(0);
    expect(metrics.samples.at(-1)?.memoryTotalBytes).toBeGreaterThan(0);

    // Timeout: the end moves to about ten minutes from now.
    const before = Date.now();
    const timed = await json<SandboxView>(
      await call("POST", `/v1/sandboxes/${id}/timeout`, { body: { timeoutMs: 600_000 } }),
      200,
    );
    const endAt = Date.parse(timed.endAt ?? "");
    expect(endAt).toBeGreaterThanOrEqual(before + 595_000);
    expect(endAt).toBeLessThanOrEqual(Date.now() + 605_000);
    expect(timed.timeoutMs).toBe(600_000);

    // Pause and resume: a process and the files are kept, and the tokens stay the same.
    await exec(id, "nohup sleep 1000 >/dev/null 2>&1 & echo $! > /home/user/pid");
    const pausing = await json<SandboxView>(await call("POST", `/v1/sandboxes/${id}/pause`), 202);
    expect(pausing.state).toBe("pausing");
    const paused = await waitFor(id, ["paused", "running", "error"]);
    expect(paused.state, paused.stateReason ?? "").toBe("paused");
    const refused = await call("POST", `/v1/sandboxes/${id}/exec`, { body: { cmd: "true" } });
    expect(refused.status).toBe(409);
    expect((await call("POST", `/v1/sandboxes/${id}/pause`)).status).toBe(409);
    const resuming = await json<SandboxWithTokensView>(
      await call("POST", `/v1/sandboxes/${id}/resume`),
      202,
    );
    expect(resuming.state).toBe("resuming");
    expect(resuming.envdAccessToken).toBeNull();
    const resumed = await waitFor(id, ["running", "error"]);
    expect(resumed.state, resumed.stateReason ?? "").toBe("running");
    expect((await exec(id, "kill -0 $(cat /home/user/pid) && echo alive")).stdout).toBe("alive\n");
    expect((await exec(id, "cat /home/user/dir/a.txt")).stdout).toBe("multipart contents\n");
    const access = await server.cp.services.sandboxes.access(
      running.teamId as TeamId,
      id as SandboxId,
    );
    expect(access.envdAccessToken).toBe(sandbox.envdAccessToken);

    // Delete: 202 stopping, then stopped; the sandbox stays readable as history.
    const stopping = await json<SandboxView>(await call("DELETE", `/v1/sandboxes/${id}`), 202);
    expect(stopping.state).toBe("stopping");
    const stopped = await waitFor(id, ["stopped"]);
    expect(stopped.stateReason).toBe("destroyed on request");
    const after = await call("POST", `/v1/sandboxes/${id}/exec`, { body: { cmd: "true" } });
    expect(after.status).toBe(409);
  });

  it("lists by status and metadata", async () => {
    const tag = randomBytes(4).toString("hex");
    const a = await createSandbox({ metadata: { suite: tag, role: "a" } });
    const b = await createSandbox({ metadata: { suite: tag, role: "b" } });
    await waitFor(a.id, ["running"]);
    await waitFor(b.id, ["running"]);
    await json(await call("DELETE", `/v1/sandboxes/${b.id}`), 202);
    await waitFor(b.id, ["stopped"]);
    const ids = async (query: string) =>
      (
        await json<{ sandboxes: SandboxView[] }>(await call("GET", `/v1/sandboxes?${query}`), 200)
      ).sandboxes.map((s) => s.id);
    expect(await ids(`metadata=suite=${tag}`)).toEqual([a.id]);
    expect(await ids(`metadata=suite=${tag}&status=running,stopped`)).toEqual([b.id, a.id]);
    expect(await ids(`metadata=suite=${tag}&metadata=role=b&status=stopped`)).toEqual([b.id]);
    expect(await ids(`metadata=suite=${tag}&status=paused`)).toEqual([]);
    expect(
      await ids(`metadata=suite=${tag}&status=running`).then(async (mine) => {
        const theirs = await json<{ sandboxes: SandboxView[] }>(
          await call("GET", `/v1/sandboxes?metadata=suite=${tag}`, { apiKey: otherKey }),
          200,
        );
        return { mine, theirs: theirs.sandboxes };
      }),
    ).toEqual({ mine: [a.id], theirs: [] });
    await json(await call("DELETE", `/v1/sandboxes/${a.id}`), 202);
  });

  it("auto-resumes a paused sandbox when traffic for it reaches the proxy", async () => {
    const refused = await call("POST", "/v1/sandboxes", { body: { autoResume: true } });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("autoResume needs autoPause");

    const { id } = await createSandbox({ autoPause: true, autoResume: true });
    await waitFor(id, ["running"]);
    const serve =
      "cd /tmp && echo resumed-by-traffic > page.txt && (nohup python3 -m http.server 8000 >/dev/null 2>&1 &)";
    await json(
      await call("POST", `/v1/sandboxes/${id}/exec`, {
        body: { cmd: "bash", args: ["-c", serve] },
      }),
      200,
    );
    const viaProxy = () =>
      fetch(`${server.url}/page.txt`, {
        headers: { "e2b-sandbox-id": id, "e2b-sandbox-port": "8000" },
      });
    await vi.waitFor(async () => expect((await viaProxy()).status).toBe(200), { timeout: 10_000 });

    await json(await call("POST", `/v1/sandboxes/${id}/pause`, { body: {} }), 202);
    await waitFor(id, ["paused"]);
    const page = await viaProxy();
    expect(page.status).toBe(200);
    expect(await page.text()).toBe("resumed-by-traffic\n");
    expect((await waitFor(id, ["running"])).state).toBe("running");
  });

  it("gives another team's key 404 on every route of a real, running sandbox", async () => {
    const { id } = await createSandbox();
    await waitFor(id, ["running"]);
    const routes: [string, string, unknown?][] = [
      ["GET", `/v1/sandboxes/${id}`],
      ["POST", `/v1/sandboxes/${id}/exec`, { cmd: "true" }],
      ["POST", `/v1/sandboxes/${id}/exec/stream`, { cmd: "true" }],
      ["GET", `/v1/sandboxes/${id}/files?path=/etc/hostname`],
      ["GET", `/v1/sandboxes/${id}/files/list?path=/`],
      ["POST", `/v1/sandboxes/${id}/files/mkdir`, { path: "/tmp/x" }],
      ["DELETE", `/v1/sandboxes/${id}/files?path=/etc/hostname`],
      ["GET", `/v1/sandboxes/${id}/metrics`],
      ["POST", `/v1/sandboxes/${id}/timeout`, { timeoutMs: 5_000 }],
      ["POST", `/v1/sandboxes/${id}/pause`, {}],
      ["POST", `/v1/sandboxes/${id}/resume`, {}],
      ["POST", "/v1/snapshots", { sandboxId: id, name: "stolen" }],
      ["DELETE", `/v1/sandboxes/${id}`],
    ];
    for (const [method, path, body] of routes) {
      const res = await call(method, path, { apiKey: otherKey, body });
      expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(404);
    }
    const upload = await call("PUT", `/v1/sandboxes/${id}/files?path=/tmp/x`, {
      apiKey: otherKey,
      raw: "x",
      headers: { "content-type": "application/octet-stream" },
    });
    expect(upload.status).toBe(404);
    // Still running and untouched for its owner.
    expect((await exec(id, "cat /etc/hostname >/dev/null && echo ok")).stdout).toBe("ok\n");
    await json(await call("DELETE", `/v1/sandboxes/${id}`), 202);
  });

  it("marks a sandbox the agent destroyed behind the control plane's back as stopped", async () => {
    const { id } = await createSandbox();
    await waitFor(id, ["running"]);
    const host = server.cp.embeddedAgent?.host;
    if (!host) throw new Error("the real server has no embedded agent");
    await createAgentClient(host.address).destroySandbox({ sandboxId: id });
    await server.cp.reconciler.runOnce();
    const stopped = await json<SandboxView>(await call("GET", `/v1/sandboxes/${id}`), 200);
    expect(stopped.state).toBe("stopped");
    expect(stopped.stateReason).toMatch(/host no longer has this sandbox/);
  });

  it("fails a create whose template the host does not have, with the reason", async () => {
    // A snapshot row with no files on the host: the agent's create fails, the row says why.
    const q = server.cp.db.queries;
    const keyRow = await q.apiKeys.getByHash(hashApiKey(key));
    if (!keyRow) throw new Error("no key row");
    const ghost = await q.templates.insert({
      teamId: keyRow.teamId,
      name: `ghost-${randomBytes(3).toString("hex")}`,
      type: "snapshot",
      vcpus: 1,
      memoryMb: 512,
      createdBy: null,
    });
    if (!ghost) throw new Error("template insert failed");
    const sandbox = await createSandbox({ templateId: ghost.name });
    const failed = await waitFor(sandbox.id, ["error"]);
    expect(failed.stateReason).toMatch(/template/);
    await json(await call("DELETE", `/v1/sandboxes/${sandbox.id}`), 202);
    await waitFor(sandbox.id, ["stopped"]);
  });
});

describe("team deletion", () => {
  it("destroys the team's sandboxes", async () => {
    const signup = await json<{ token: string; team: { id: string } }>(
      await fetch(`${server.url}/v1/auth/signup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          email: `gone-${randomBytes(4).toString("hex")}@example.com`,
          password: `pw-${randomBytes(8).toString("hex")}`,
        }),
      }),
      201,
    );
    const bearer = { authorization: `Bearer ${signup.token}` };
    const sandbox = await json<SandboxView>(
      await fetch(`${server.url}/v1/sandboxes`, {
        method: "POST",
        headers: { ...bearer, "content-type": "application/json" },
        body: "{}",
      }),
      202,
    );
    created.push(sandbox.id);
    const q = server.cp.db.queries.sandboxes;
    await vi.waitFor(
      async () => expect((await q.get(sandbox.id as SandboxId))?.state).toBe("running"),
      {
        timeout: 150_000,
        interval: 200,
      },
    );
    const deleted = await fetch(`${server.url}/v1/teams/${signup.team.id}`, {
      method: "DELETE",
      headers: bearer,
    });
    expect(deleted.status).toBe(204);
    await vi.waitFor(
      async () => expect((await q.get(sandbox.id as SandboxId))?.state).toBe("stopped"),
      {
        timeout: 60_000,
        interval: 200,
      },
    );
    expect((await q.get(sandbox.id as SandboxId))?.statusReason).toBe("its team was deleted");
  });
});

describe("snapshots", () => {
  it("snapshots a running sandbox into a template, starts a sandbox from it, and deletes it", async () => {
    const source = await createSandbox();
    await waitFor(source.id, ["running"]);
    await exec(source.id, "echo kept > /home/user/state.txt");
    const name = `snap-${randomBytes(3).toString("hex")}`;
    const res = await call("POST", "/v1/snapshots", { body: { sandboxId: source.id, name } });
    if (res.status === 503) {
      // This host agent cannot snapshot yet: the source must be running as before.
      expect(((await res.json()) as { message: string }).message).toMatch(/does not support/);
      expect((await waitFor(source.id, ["running"])).state).toBe("running");
      return;
    }
    const template = await json<{ id: string; name: string; type: string; vcpus: number }>(
      res,
      201,
    );
    expect(template).toMatchObject({ name, type: "snapshot", vcpus: source.vcpus });
    // The source is back to running, with the same token, and still has its file.
    expect((await waitFor(source.id, ["running"])).state).toBe("running");
    expect((await exec(source.id, "cat /home/user/state.txt")).stdout).toBe("kept\n");

    const listed = await json<{ id: string }[]>(await call("GET", "/v1/snapshots"), 200);
    expect(listed.map((t) => t.id)).toContain(template.id);
    const templates = await json<{ id: string }[]>(await call("GET", "/v1/templates"), 200);
    expect(templates.map((t) => t.id)).toContain(template.id);

    const child = await createSandbox({ templateId: name });
    const childRunning = await waitFor(child.id, ["running", "error"]);
    expect(childRunning.state, childRunning.stateReason ?? "").toBe("running");
    expect((await exec(child.id, "cat /home/user/state.txt")).stdout).toBe("kept\n");

    const inUse = await call("DELETE", `/v1/snapshots/${template.id}`);
    expect(inUse.status).toBe(409);
    await json(await call("DELETE", `/v1/sandboxes/${child.id}`), 202);
    await waitFor(child.id, ["stopped"]);
    expect((await call("DELETE", `/v1/snapshots/${template.id}`)).status).toBe(204);
    const after = await json<{ id: string }[]>(await call("GET", "/v1/snapshots"), 200);
    expect(after.map((t) => t.id)).not.toContain(template.id);
    await json(await call("DELETE", `/v1/sandboxes/${source.id}`), 202);
  });
});
