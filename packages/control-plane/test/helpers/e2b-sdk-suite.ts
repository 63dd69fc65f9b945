import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RealServer, startRealServer } from "./e2b-server.js";

/** The `e2b` module's surface these tests use; 2.50's is passed in as the same shape. */
export type E2bSdk = Pick<
  typeof import("e2b"),
  "Sandbox" | "CommandExitError" | "SandboxNotFoundError"
>;
type SdkSandbox = InstanceType<E2bSdk["Sandbox"]>;

const HTTP_PORT = 8000;
const WS_PORT = 8001;

/** A Python HTTP server that names itself, and a raw upgrade echo (no WebSocket framing). */
const HTTP_SERVER = `
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from the sandbox path=%s" % self.path).encode()
        self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("127.0.0.1", ${HTTP_PORT}), H).serve_forever()
`;
const UPGRADE_ECHO = `
import socket, threading
def handle(c):
    req = b""
    while b"\\r\\n\\r\\n" not in req:
        chunk = c.recv(4096)
        if not chunk: return
        req += chunk
    c.sendall(b"HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n")
    while True:
        d = c.recv(4096)
        if not d: return
        c.sendall(d)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", ${WS_PORT})); s.listen(8)
while True:
    c, _ = s.accept(); threading.Thread(target=handle, args=(c,), daemon=True).start()
`;

/**
 * `GET /` on a sandbox port through the proxy, addressed the way `getHost(port)` says. fetch
 * drops a custom Host header, hence http.request; `*.localhost` does not resolve in Node, so
 * the connection goes to the server's address with the host name only in the header.
 */
export function getViaHost(
  serverUrl: string,
  host: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(serverUrl);
  return new Promise((resolve, reject) => {
    http
      .get({ host: hostname, port, path: "/hi?x=1", headers: { host, ...headers } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

/** Polls until a server in the sandbox answers through the proxy (it starts in the background). */
async function waitForPort(serverUrl: string, host: string): Promise<void> {
  await expect
    .poll(async () => (await getViaHost(serverUrl, host)).status, {
      timeout: 20_000,
      interval: 200,
    })
    .toBe(200);
}

function upgradeEcho(serverUrl: string, host: string, message: string): Promise<string> {
  const { hostname, port } = new URL(serverUrl);
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: hostname,
      port,
      path: "/ws",
      headers: { host, connection: "upgrade", upgrade: "websocket" },
    });
    req.on("upgrade", (_res, socket) => {
      socket.once("data", (data) => {
        resolve(String(data));
        socket.destroy();
      });
      socket.write(message);
    });
    req.on("response", (res) => reject(new Error(`no upgrade: ${res.statusCode}`)));
    req.on("error", reject);
    req.end();
  });
}

/**
 * The e2b SDK, unmodified, against the whole server with real sandboxes (Recipe A: API and
 * envd on one origin, E2B_DOMAIN for getHost). Run once per SDK line.
 */
export function e2bSdkSuite(label: string, sdk: E2bSdk): void {
  const { Sandbox } = sdk;
  let server: RealServer;
  let apiKey: string;
  let otherKey: string;
  let sandbox: SdkSandbox;
  const tag = `${label}-${Date.now()}`;
  const leftovers: string[] = [];

  beforeAll(async () => {
    server = await startRealServer();
    apiKey = await server.newTeamKey("sdk");
    otherKey = await server.newTeamKey("other");
    process.env.E2B_API_URL = server.url;
    process.env.E2B_SANDBOX_URL = server.url;
    process.env.E2B_DOMAIN = `localhost:${new URL(server.url).port}`;
    process.env.E2B_API_KEY = apiKey;
    sandbox = await Sandbox.create({ metadata: { tag, user: "u1" }, envs: { FOO: "bar" } });
    leftovers.push(sandbox.sandboxId);
  });

  afterAll(async () => {
    for (const id of leftovers) await Sandbox.kill(id);
    await server?.close();
  });

  describe(`e2b ${label}`, () => {
    it("creates a sandbox whose commands see the env vars", async () => {
      expect(sandbox.sandboxId).toMatch(/^cl-[0-9a-z]{25}$/);
      const result = await sandbox.commands.run("echo $FOO; whoami");
      expect(result).toMatchObject({ exitCode: 0, stdout: "bar\nuser\n" });
      await expect(sandbox.commands.run("exit 3")).rejects.toBeInstanceOf(sdk.CommandExitError);
      const info = await sandbox.getInfo();
      expect(info).toMatchObject({
        sandboxId: sandbox.sandboxId,
        metadata: { tag, user: "u1" },
        state: "running",
      });
    });

    it("writes, reads and lists files", async () => {
      await sandbox.files.write("/home/user/notes/hello.txt", "hello wrenn");
      expect(await sandbox.files.read("/home/user/notes/hello.txt")).toBe("hello wrenn");
      const entries = await sandbox.files.list("/home/user/notes");
      expect(entries.map((e) => e.name)).toEqual(["hello.txt"]);
      const bytes = new Uint8Array(3 * 1024 * 1024).map((_, i) => i % 251);
      await sandbox.files.write("/tmp/blob.bin", bytes.buffer);
      const back = await sandbox.files.read("/tmp/blob.bin", { format: "bytes" });
      expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);
    });

    it("reaches a server in the sandbox through getHost(port) and the proxy", async () => {
      await sandbox.files.write("/home/user/server.py", HTTP_SERVER);
      await sandbox.commands.run("python3 /home/user/server.py", { background: true });
      const host = sandbox.getHost(HTTP_PORT);
      expect(host).toBe(`${HTTP_PORT}-${sandbox.sandboxId}.localhost:${new URL(server.url).port}`);
      await waitForPort(server.url, host);
      const res = await getViaHost(server.url, host);
      expect(res.body).toBe("hello from the sandbox path=/hi?x=1");
    });

    it("tunnels upgrades (WebSocket) to a sandbox port", async () => {
      await sandbox.files.write("/home/user/echo.py", UPGRADE_ECHO);
      await sandbox.commands.run("python3 /home/user/echo.py", { background: true });
      const host = sandbox.getHost(WS_PORT);
      await expect
        .poll(() => upgradeEcho(server.url, host, "ping").catch((e: Error) => e.message), {
          timeout: 20_000,
          interval: 200,
        })
        .toBe("ping");
    });

    it("sets the timeout", async () => {
      await sandbox.setTimeout(600_000);
      const { endAt } = await sandbox.getInfo();
      expect(Math.abs(endAt.getTime() - (Date.now() + 600_000))).toBeLessThan(10_000);
      await sandbox.setTimeout(300_000);
      const shorter = (await sandbox.getInfo()).endAt;
      expect(shorter.getTime()).toBeLessThan(endAt.getTime());
    });

    it("lists sandboxes by metadata", async () => {
      const other = await Sandbox.create({ metadata: { tag: `${tag}-other` } });
      leftovers.push(other.sandboxId);
      const found = await Sandbox.list({ query: { metadata: { tag } } }).nextItems();
      expect(found.map((s) => s.sandboxId)).toEqual([sandbox.sandboxId]);
      expect(found[0]).toMatchObject({ state: "running", metadata: { tag, user: "u1" } });
      const both = await Sandbox.list({ query: { state: ["running"] } }).nextItems();
      expect(both.map((s) => s.sandboxId)).toEqual(
        expect.arrayContaining([sandbox.sandboxId, other.sandboxId]),
      );
      expect(await Sandbox.kill(other.sandboxId)).toBe(true);
    });

    it("reports metrics", async () => {
      const metrics = await sandbox.getMetrics();
      expect(metrics.length).toBeGreaterThan(0);
      const last = metrics.at(-1);
      expect(last?.timestamp).toBeInstanceOf(Date);
      expect(last?.cpuCount).toBeGreaterThan(0);
      expect(last?.memTotal).toBeGreaterThan(0);
      expect(last?.memUsed).toBeGreaterThan(0);
      expect(last?.diskTotal).toBeGreaterThan(0);
    });

    it("keeps a file and a running process across betaPause and connect", async () => {
      await sandbox.files.write("/home/user/state.txt", "before pause");
      const counter = await sandbox.commands.run(
        "bash -c 'i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 0.1; done'",
        { background: true },
      );
      expect(await sandbox.betaPause()).toBe(true);
      expect((await Sandbox.getInfo(sandbox.sandboxId)).state).toBe("paused");
      expect(await sandbox.betaPause()).toBe(false); // already paused: the API's 409
      const resumed = await Sandbox.connect(sandbox.sandboxId, { timeoutMs: 300_000 });
      expect(await resumed.files.read("/home/user/state.txt")).toBe("before pause");
      const ps = await resumed.commands.run(`kill -0 ${counter.pid} && echo alive`);
      expect(ps.stdout).toBe("alive\n");
      const first = Number((await resumed.commands.run("cat /tmp/count")).stdout);
      await expect
        .poll(async () => Number((await resumed.commands.run("cat /tmp/count")).stdout))
        .toBeGreaterThan(first);
      // The server started before the pause answers again at the same host name.
      await waitForPort(server.url, resumed.getHost(HTTP_PORT));
      // Connecting to a running sandbox is a plain 200 and changes nothing.
      const again = await Sandbox.connect(sandbox.sandboxId);
      expect((await again.commands.run("cat /home/user/state.txt")).stdout).toBe("before pause");
    });

    it("snapshots a sandbox, starts a new one from it, lists and deletes it", async () => {
      const snapshot = await sandbox.createSnapshot();
      expect(snapshot.snapshotId).toMatch(/^tpl-/);
      // The source keeps running (paused for the copy, then resumed).
      expect((await sandbox.commands.run("cat /home/user/state.txt")).stdout).toBe("before pause");
      const listed = await Sandbox.listSnapshots({ sandboxId: sandbox.sandboxId }).nextItems();
      expect(listed.map((s) => s.snapshotId)).toEqual([snapshot.snapshotId]);
      const child = await Sandbox.create(snapshot.snapshotId);
      leftovers.push(child.sandboxId);
      expect(await child.files.read("/home/user/state.txt")).toBe("before pause");
      expect(await child.kill()).toBe(true);
      expect(await Sandbox.deleteSnapshot(snapshot.snapshotId)).toBe(true);
      expect(await Sandbox.deleteSnapshot(snapshot.snapshotId)).toBe(false);
    });

    it("gives another team's key 404s and the proxy 502 for sandboxes that do not exist", async () => {
      const id = sandbox.sandboxId;
      const opts = { apiKey: otherKey };
      await expect(Sandbox.getInfo(id, opts)).rejects.toBeInstanceOf(sdk.SandboxNotFoundError);
      await expect(Sandbox.setTimeout(id, 60_000, opts)).rejects.toBeInstanceOf(
        sdk.SandboxNotFoundError,
      );
      await expect(Sandbox.getMetrics(id, opts)).rejects.toBeInstanceOf(sdk.SandboxNotFoundError);
      await expect(Sandbox.betaPause(id, opts)).rejects.toBeInstanceOf(sdk.SandboxNotFoundError);
      await expect(Sandbox.connect(id, opts)).rejects.toBeInstanceOf(sdk.SandboxNotFoundError);
      expect(await Sandbox.kill(id, opts)).toBe(false);
      expect(await Sandbox.list({ ...opts, query: { metadata: { tag } } }).nextItems()).toEqual([]);
      // envd behind the proxy wants the sandbox's token, which only its team was given.
      const envd = await getViaHost(server.url, sandbox.getHost(49983));
      expect(envd.status).toBe(401);
      const ghost = await getViaHost(
        server.url,
        `${HTTP_PORT}-cl-0000000000000000000000000.localhost`,
      );
      expect(ghost.status).toBe(502);
      expect(JSON.parse(ghost.body)).toMatchObject({
        code: 502,
        message: "The sandbox was not found",
      });
      // Still alive for its own team.
      expect((await sandbox.commands.run("echo ok")).stdout).toBe("ok\n");
    });

    it("asks for the traffic token on user ports when public traffic is off", async () => {
      const guarded = await Sandbox.create({ network: { allowPublicTraffic: false } });
      leftovers.push(guarded.sandboxId);
      expect(guarded.trafficAccessToken).toEqual(expect.any(String));
      await guarded.files.write("/home/user/server.py", HTTP_SERVER);
      await guarded.commands.run("python3 /home/user/server.py", { background: true });
      const host = guarded.getHost(HTTP_PORT);
      const token = { "e2b-traffic-access-token": guarded.trafficAccessToken ?? "" };
      await expect
        .poll(async () => (await getViaHost(server.url, host, token)).status, { timeout: 20_000 })
        .toBe(200);
      expect((await getViaHost(server.url, host)).status).toBe(403);
      const wrong = { "e2b-traffic-access-token": "not-the-token" };
      expect((await getViaHost(server.url, host, wrong)).status).toBe(403);
      expect(await guarded.kill()).toBe(true);
    });

    it("kills, and a second kill is false", async () => {
      const id = sandbox.sandboxId;
      expect(await sandbox.kill()).toBe(true);
      expect(await Sandbox.kill(id)).toBe(false);
      await expect(Sandbox.getInfo(id)).rejects.toBeInstanceOf(sdk.SandboxNotFoundError);
      await expect(Sandbox.connect(id)).rejects.toBeInstanceOf(sdk.SandboxNotFoundError);
      expect(await sandbox.isRunning()).toBe(false);
      const gone = await getViaHost(server.url, sandbox.getHost(HTTP_PORT));
      expect(gone.status).toBe(502);
      leftovers.splice(0, leftovers.length);
    });
  });
}
