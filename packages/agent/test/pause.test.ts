import http from "node:http";
import { Code } from "@connectrpc/connect";
import { SandboxStatus } from "@wrenn/proto/hostagent/v1";
import type { SandboxId } from "@wrenn/shared";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  type AgentClient,
  sh,
  startAgentInProcess,
  startAgentProcess,
  TEST_TEAM,
  text,
} from "./helpers/agent.js";
import {
  bufferDigest,
  codeOf,
  expectCounting,
  expectNothingRunning,
  readCount,
  startCounter,
} from "./helpers/checkpoint.js";
import { expectNoLeftovers } from "./helpers/leaks.js";

/** A server on 127.0.0.1 (reached through envd's port forwarding): / answers, /stream never ends. */
const STREAMING_SERVER = `
import http.server, time
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        if self.path == "/stream":
            self.send_response(200); self.send_header("transfer-encoding", "chunked"); self.end_headers()
            try:
                while True:
                    self.wfile.write(b"5\\r\\ntick\\n\\r\\n"); self.wfile.flush(); time.sleep(0.1)
            except OSError:
                return
        body = b"hello from the sandbox"
        self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", 8080), H).serve_forever()
`;

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let body = "";
        res.on("data", (chunk) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

describe("pause and resume with the whole memory state", () => {
  let env: Awaited<ReturnType<typeof startAgentInProcess>>;
  let client: AgentClient;
  let sandboxId: string;
  let counter: Awaited<ReturnType<typeof startCounter>>;
  const hostPid = () => env.agent.manager.get(sandboxId as SandboxId).pid;

  beforeAll(async () => {
    env = await startAgentInProcess();
    client = env.client;
    const created = await client.createSandbox({
      teamId: TEST_TEAM,
      templateId: "base",
      memoryMib: 512,
      envVars: { STAGE: "created" },
      envdAccessToken: "created-token-for-the-test",
    });
    sandboxId = created.sandbox!.sandboxId;
    counter = await startCounter(client, sandboxId, { bufferMiB: 64 });
  });
  afterAll(async () => {
    if (sandboxId) {
      await client.destroySandbox({ sandboxId });
      expectNoLeftovers(sandboxId);
    }
    await env?.agent.stop();
  });

  it("keeps a 64 MB process counting with its buffer intact, and the files", async () => {
    await client.writeFile({
      sandboxId,
      path: "/home/user/notes.txt",
      content: Buffer.from("written before the pause\n"),
    });
    const pidBefore = hostPid();
    const countBefore = await readCount(client, sandboxId, counter.dir);
    const paused = await client.pauseSandbox({ sandboxId });
    expect(paused.sandbox?.status).toBe(SandboxStatus.PAUSED);
    expect(paused.sandbox?.hostAddress).toBe("");
    expectNothingRunning(sandboxId, pidBefore);

    const resumed = await client.resumeSandbox({ sandboxId, timeoutSeconds: 600 });
    expect(resumed.sandbox?.status).toBe(SandboxStatus.RUNNING);
    const endIn = resumed.sandbox!.endAt!.seconds - BigInt(Math.floor(Date.now() / 1000));
    expect(Number(endIn)).toBeGreaterThan(590);
    // The same process, continuing: not restarted (it would count from 1 with another buffer).
    const first = await readCount(client, sandboxId, counter.dir);
    expect(first).toBeGreaterThanOrEqual(countBefore);
    await expectCounting(client, sandboxId, counter.dir, first);
    expect(await bufferDigest(client, sandboxId, counter.dir)).toBe(counter.digest);
    const pids = await sh(client, sandboxId, `pgrep -f ${counter.dir}/counter.py`);
    expect(pids.stdout.trim()).toBe(String(counter.pid));
    const notes = await client.readFile({ sandboxId, path: "/home/user/notes.txt" });
    expect(text(notes.content)).toBe("written before the pause\n");
  });

  it("keeps a variable of a long-running interpreter session", async () => {
    const started = client.startProcess(
      {
        process: { sandboxId, cmd: "/usr/bin/python3", args: ["-i", "-q", "-u"], envs: {} },
        stdin: true,
      },
      { signal: AbortSignal.timeout(60_000) },
    );
    const events = started[Symbol.asyncIterator]();
    const first = await events.next();
    if (first.done || first.value.event.case !== "startedPid") throw new Error("no pid");
    const pid = first.value.event.value;
    const said = (data: string) =>
      client.sendProcessInput({ sandboxId, pid, data: Buffer.from(data) });
    await said("secret = 'wrenn-' + str(6 * 7)\nprint('set', secret)\n");
    expect(await stdoutUntil(events, "set wrenn-42")).toContain("set wrenn-42");
    await events.return?.(undefined);

    await client.pauseSandbox({ sandboxId });
    await client.resumeSandbox({ sandboxId });

    const reconnected = client.connectProcess(
      { sandboxId, pid },
      { signal: AbortSignal.timeout(60_000) },
    );
    const again = reconnected[Symbol.asyncIterator]();
    await again.next(); // the start event of the reconnected stream
    await said("print('still', secret)\n");
    expect(await stdoutUntil(again, "still wrenn-42")).toContain("still wrenn-42");
    await said("exit()\n");
    await again.return?.(undefined);
  });

  it("survives five pause/resume cycles in a row", async () => {
    let count = await readCount(client, sandboxId, counter.dir);
    for (let cycle = 1; cycle <= 5; cycle++) {
      await client.writeFile({
        sandboxId,
        path: `/home/user/cycle-${cycle}.txt`,
        content: Buffer.from(`cycle ${cycle}\n`),
      });
      expect((await client.pauseSandbox({ sandboxId })).sandbox?.status).toBe(SandboxStatus.PAUSED);
      expect((await client.resumeSandbox({ sandboxId })).sandbox?.status).toBe(
        SandboxStatus.RUNNING,
      );
      count = await expectCounting(client, sandboxId, counter.dir, count);
    }
    expect(await bufferDigest(client, sandboxId, counter.dir)).toBe(counter.digest);
    const files = await sh(client, sandboxId, "cat /home/user/cycle-*.txt");
    expect(files.stdout).toBe("cycle 1\ncycle 2\ncycle 3\ncycle 4\ncycle 5\n");
  });

  it("closes an open proxied connection, refuses new ones while paused, serves after resume", async () => {
    await client.writeFile({
      sandboxId,
      path: "/home/user/stream.py",
      content: Buffer.from(STREAMING_SERVER),
    });
    await sh(client, sandboxId, "nohup python3 /home/user/stream.py >/dev/null 2>&1 &");
    const base = `${env.url}/proxy/${sandboxId}/8080`;
    await vi.waitFor(async () => expect((await get(`${base}/`)).status).toBe(200), {
      timeout: 15_000,
      interval: 100,
    });

    const stream = await openStream(`${base}/stream`);
    await stream.firstChunk;
    const paused = await client.pauseSandbox({ sandboxId, drainGraceMs: 300 });
    expect(paused.sandbox?.status).toBe(SandboxStatus.PAUSED);
    // Cut by the pause: the chunked body never completed.
    expect(await stream.outcome).toBe("closed before the end");

    const whilePaused = await get(`${base}/`);
    expect(whilePaused.status).toBe(503);
    expect(whilePaused.body).toContain("paused");

    await client.resumeSandbox({ sandboxId });
    await vi.waitFor(
      async () =>
        expect(await get(`${base}/`)).toEqual({ status: 200, body: "hello from the sandbox" }),
      { timeout: 15_000, interval: 100 },
    );
    await expectCounting(
      client,
      sandboxId,
      counter.dir,
      await readCount(client, sandboxId, counter.dir),
    );
  });

  it("applies new env vars and a new envd token on resume", async () => {
    await client.pauseSandbox({ sandboxId });
    await client.resumeSandbox({
      sandboxId,
      envVars: { STAGE: "resumed" },
      envdAccessToken: "rotated-token-for-the-test",
    });
    const record = env.agent.manager.get(sandboxId as SandboxId);
    expect(record.envdAccessToken).toBe("rotated-token-for-the-test");
    expect((await sh(client, sandboxId, "echo $STAGE")).stdout).toBe("resumed\n");
    // envd now refuses the old token and takes the new one.
    const envs = await fetch(`http://${record.slot!.sandboxAddress}:49983/envs`, {
      headers: { "x-access-token": "rotated-token-for-the-test" },
    });
    expect(await envs.json()).toEqual({ STAGE: "resumed" });
  });

  it("stays paused, nothing lost, when a resume fails after the restore", async () => {
    const countBefore = await readCount(client, sandboxId, counter.dir);
    await client.pauseSandbox({ sandboxId });
    const record = env.agent.manager.get(sandboxId as SandboxId);
    const token = record.envdAccessToken;
    const image = record.checkpoint;
    // envd refuses /init with a wrong current token: the failure comes once the processes
    // were restored and ran, so the agent checkpoints them again rather than losing them.
    record.envdAccessToken = "not-the-token-envd-has";
    const failed = await codeOf(client.resumeSandbox({ sandboxId }));
    expect(failed.code).toBe(Code.Unavailable);
    expect(failed.message).toMatch(/envd \/init answered 401/);
    expect((await client.getSandbox({ sandboxId })).sandbox?.status).toBe(SandboxStatus.PAUSED);
    expectNothingRunning(sandboxId, undefined);
    expect(record.checkpoint, "a fresh image of the restored processes").toMatch(/^cp-/);
    expect(record.checkpoint).not.toBe(image);

    record.envdAccessToken = token;
    await client.resumeSandbox({ sandboxId });
    await expectCounting(client, sandboxId, counter.dir, countBefore);
    expect(await bufferDigest(client, sandboxId, counter.dir)).toBe(counter.digest);
  });

  it("gives clear errors for unknown, already paused and not paused sandboxes", async () => {
    const unknown = await codeOf(client.pauseSandbox({ sandboxId: `cl-${"3".repeat(25)}` }));
    expect(unknown.code).toBe(Code.NotFound);
    expect(unknown.message).toMatch(/not found/);

    const notPaused = await codeOf(client.resumeSandbox({ sandboxId }));
    expect(notPaused.code).toBe(Code.FailedPrecondition);
    expect(notPaused.message).toMatch(/cannot resume a sandbox that is running/);

    await client.pauseSandbox({ sandboxId });
    const twice = await codeOf(client.pauseSandbox({ sandboxId }));
    expect(twice.code).toBe(Code.FailedPrecondition);
    expect(twice.message).toMatch(/already paused/);
    const relay = await codeOf(client.exec({ sandboxId, cmd: "/bin/true" }));
    expect(relay.code).toBe(Code.FailedPrecondition);
    // Nothing to sample: no cgroup, no process.
    expect((await client.getSandboxMetrics({ sandboxId, fresh: true })).samples).toEqual([]);
    await client.resumeSandbox({ sandboxId });
  });

  it("stays running with a clear error when CRIU cannot checkpoint a process", async () => {
    // CRIU has no dumper for AF_VSOCK sockets ("sockets: BUG! Unknown socket collected
    // (family 40)"), and any unprivileged process can open one: a real, deterministic failure.
    const vsock = await sh(
      client,
      sandboxId,
      `nohup python3 -c "
import socket, time
s = socket.socket(socket.AF_VSOCK, socket.SOCK_STREAM)
open('/tmp/vsock-ready', 'w').close()
time.sleep(100000)" >/tmp/vsock.log 2>&1 &
      for i in $(seq 100); do [ -f /tmp/vsock-ready ] && break; sleep 0.05; done; cat /tmp/vsock.log; ls /tmp/vsock-ready`,
    );
    expect(vsock.stdout, "this host must offer AF_VSOCK sockets (vsock module)").toBe(
      "/tmp/vsock-ready\n",
    );
    const countBefore = await readCount(client, sandboxId, counter.dir);
    const failed = await codeOf(client.pauseSandbox({ sandboxId }));
    expect(failed.code).toBe(Code.FailedPrecondition);
    expect(failed.message).toMatch(/checkpoint of sandbox .* failed: .*Unknown socket/);

    expect((await client.getSandbox({ sandboxId })).sandbox?.status).toBe(SandboxStatus.RUNNING);
    await expectCounting(client, sandboxId, counter.dir, countBefore);
    expect(await bufferDigest(client, sandboxId, counter.dir)).toBe(counter.digest);
    await vi.waitFor(
      async () => expect((await get(`${env.url}/proxy/${sandboxId}/8080/`)).status).toBe(200),
      {
        timeout: 15_000,
        interval: 100,
      },
    );

    // Without the offending process the same sandbox pauses fine.
    await sh(
      client,
      sandboxId,
      "pkill -f AF_VSOCK; while pgrep -f AF_VSOCK >/dev/null; do sleep 0.02; done",
    );
    expect((await client.pauseSandbox({ sandboxId })).sandbox?.status).toBe(SandboxStatus.PAUSED);
    await client.resumeSandbox({ sandboxId });
    await expectCounting(client, sandboxId, counter.dir, countBefore);
  });

  it("pauses without memory: files stay, processes restart from scratch", async () => {
    await client.writeFile({
      sandboxId,
      path: "/home/user/kept.txt",
      content: Buffer.from("kept"),
    });
    const pidBefore = hostPid();
    await client.pauseSandbox({ sandboxId, memory: false });
    expectNothingRunning(sandboxId, pidBefore);
    await client.resumeSandbox({ sandboxId });
    expect(text((await client.readFile({ sandboxId, path: "/home/user/kept.txt" })).content)).toBe(
      "kept",
    );
    // "[c]" keeps the pattern from matching the shell running pgrep.
    const counters = await sh(client, sandboxId, "pgrep -f '[c]ounter/counter.py' || echo none");
    expect(counters.stdout).toBe("none\n");
    expect((await sh(client, sandboxId, "echo $STAGE")).stdout).toBe("resumed\n");
    counter = await startCounter(client, sandboxId, { bufferMiB: 8 });
  });
});

describe("a paused sandbox across an agent killed with SIGKILL", () => {
  const port = 18000 + Math.floor(Math.random() * 1000);
  let agent: Awaited<ReturnType<typeof startAgentProcess>> | undefined;

  afterAll(async () => {
    if (agent && agent.child.exitCode === null) {
      const exited = new Promise((resolve) => agent!.child.once("exit", resolve));
      agent.child.kill("SIGTERM");
      await exited;
    }
  });

  it("resumes after the restart, the process continuing", async () => {
    agent = await startAgentProcess(port);
    const created = await agent.client.createSandbox({ teamId: TEST_TEAM, memoryMib: 256 });
    const sandboxId = created.sandbox!.sandboxId;
    const counter = await startCounter(agent.client, sandboxId, { bufferMiB: 16 });
    const countBefore = await readCount(agent.client, sandboxId, counter.dir);
    await agent.client.pauseSandbox({ sandboxId });

    const killed = new Promise((resolve) => agent!.child.once("exit", resolve));
    agent.child.kill("SIGKILL");
    await killed;
    agent = await startAgentProcess(port);
    const listed = await agent.client.getSandbox({ sandboxId });
    expect(listed.sandbox?.status).toBe(SandboxStatus.PAUSED);
    expectNothingRunning(sandboxId, undefined);

    await agent.client.resumeSandbox({ sandboxId });
    const first = await readCount(agent.client, sandboxId, counter.dir);
    expect(first).toBeGreaterThanOrEqual(countBefore);
    await expectCounting(agent.client, sandboxId, counter.dir, first);
    expect(await bufferDigest(agent.client, sandboxId, counter.dir)).toBe(counter.digest);
    await agent.client.destroySandbox({ sandboxId });
    expectNoLeftovers(sandboxId);
  });
});

type EventIterator = AsyncIterator<{ event: { case: string | undefined; value?: unknown } }>;

/** Collects stdout events until `marker` appears. */
async function stdoutUntil(events: EventIterator, marker: string): Promise<string> {
  let out = "";
  while (!out.includes(marker)) {
    const next = await events.next();
    if (next.done) throw new Error(`stream ended before "${marker}"; got ${JSON.stringify(out)}`);
    if (next.value.event.case === "stdout") out += text(next.value.event.value as Uint8Array);
  }
  return out;
}

/** A GET whose body streams; `outcome` says how it ended. */
function openStream(url: string): Promise<{
  firstChunk: Promise<void>;
  outcome: Promise<"complete" | "closed before the end">;
}> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      let gotChunk: () => void = () => {};
      const firstChunk = new Promise<void>((r) => {
        gotChunk = r;
      });
      res.once("data", () => gotChunk());
      res.on("data", () => {});
      const outcome = new Promise<"complete" | "closed before the end">((done) => {
        res.once("end", () => done(res.complete ? "complete" : "closed before the end"));
        res.once("error", () => done("closed before the end"));
        res.once("aborted", () => done("closed before the end"));
        res.once("close", () => done(res.complete ? "complete" : "closed before the end"));
      });
      resolve({ firstChunk, outcome });
    });
    req.on("error", reject);
  });
}
