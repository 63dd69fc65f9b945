import { createHash } from "node:crypto";
import { EventEmitter } from "node:events";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { type HostId, newSandboxId, type SandboxId } from "@wrenn/shared";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RouteCache, SandboxRoute } from "./route-cache.js";
import { createSandboxProxy, type SandboxProxy } from "./sandbox-proxy.js";
import { sandboxProxyServerFactory } from "./server-factory.js";

/*
 * The proxy between two plain HTTP servers: a stand-in agent that reports what it received,
 * and the API (a handler that answers "api"). Real sandboxes are in test/e2b-*.test.ts.
 */

const OPEN = newSandboxId();
const GUARDED = newSandboxId();
const LOCAL = newSandboxId();
const TRAFFIC_TOKEN = "traffic-secret";
const REMOTE_HOST = "host-00000000-0000-4000-8000-000000000001" as HostId;
const LOCAL_HOST = "host-00000000-0000-4000-8000-000000000002" as HostId;

let agent: http.Server;
let front: http.Server;
let proxy: SandboxProxy;
let frontPort: number;

function listen(server: http.Server): Promise<number> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port));
  });
}

/** What a host agent's port proxy does, reporting what it received and how it was reached. */
function standInAgent(via: string) {
  return {
    web(req: http.IncomingMessage, res: http.ServerResponse): void {
      if (req.url?.includes("/stream")) {
        // Two chunks with a gap: the client must see the first before the second exists.
        res.writeHead(200, { "content-type": "text/plain" });
        res.write("first\n");
        setTimeout(() => res.end("second\n"), 300);
        return;
      }
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            via,
            url: req.url,
            host: req.headers.host,
            traffic: req.headers["e2b-traffic-access-token"] ?? null,
            bytes: Buffer.concat(chunks).length,
          }),
        );
      });
    },
    upgrade(req: http.IncomingMessage, socket: Duplex): void {
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n`,
      );
      socket.write(`x-url: ${req.url}\r\nx-via: ${via}\r\n\r\n`);
      socket.pipe(socket);
    },
  };
}

beforeAll(async () => {
  const overHttp = standInAgent("http");
  agent = http.createServer(overHttp.web);
  agent.on("upgrade", overHttp.upgrade);
  const agentPort = await listen(agent);
  const route = (
    id: SandboxId,
    trafficTokenHash: string | null,
    hostId = REMOTE_HOST,
  ): SandboxRoute => ({
    sandboxId: id,
    hostId,
    agentOrigin: `http://127.0.0.1:${agentPort}`,
    trafficTokenHash,
  });
  const routes: RouteCache = {
    find: async (id) => {
      if (id === OPEN) return route(OPEN, null);
      if (id === LOCAL) return route(LOCAL, null, LOCAL_HOST);
      if (id === GUARDED) {
        return route(GUARDED, createHash("sha256").update(TRAFFIC_TOKEN).digest("hex"));
      }
      return null;
    },
    close: () => {},
  };
  proxy = createSandboxProxy({
    routes,
    domain: null,
    log: pino({ level: "silent" }),
    inProcessAgent: { hostId: LOCAL_HOST, ...standInAgent("in-process") },
  });
  front = sandboxProxyServerFactory(proxy, new EventEmitter())((_req, res) => {
    res.end("api");
  }, {}) as http.Server;
  frontPort = await listen(front);
});

afterAll(async () => {
  proxy.close();
  await new Promise((resolve) => front.close(resolve));
  await new Promise((resolve) => agent.close(resolve));
});

function request(
  path: string,
  headers: Record<string, string>,
  body?: Buffer,
): Promise<{ status: number; text: string; chunks: string[] }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: frontPort, path, method: body ? "POST" : "GET", headers },
      (res) => {
        const chunks: string[] = [];
        res.setEncoding("utf8");
        res.on("data", (c: string) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: chunks.join(""), chunks }),
        );
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const byHeaders = (id: string, port: string) => ({
  host: "localhost:8080",
  "e2b-sandbox-id": id,
  "e2b-sandbox-port": port,
});

/** A WebSocket-style upgrade to port 3000 of the sandbox, then one echoed write. */
async function upgradeAndEcho(id: SandboxId) {
  const req = http.request({
    host: "127.0.0.1",
    port: frontPort,
    path: "/ws",
    headers: { host: `3000-${id}.localhost`, connection: "upgrade", upgrade: "websocket" },
  });
  const [res, socket] = await new Promise<[http.IncomingMessage, Socket]>((resolve, reject) => {
    req.on("upgrade", (r, s) => resolve([r, s]));
    req.on("error", reject);
    req.end();
  });
  socket.write("ping");
  const echoed = await new Promise<string>((resolve) =>
    socket.once("data", (d) => resolve(String(d))),
  );
  socket.destroy();
  return { res, echoed };
}

describe("sandbox proxy", () => {
  it("routes {port}-{id}.localhost to the agent's /proxy/{id}/{port}/…, Host kept", async () => {
    const res = await request("/files?path=/a%20b", { host: `8000-${OPEN}.localhost:9` });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({
      url: `/proxy/${OPEN}/8000/files?path=/a%20b`,
      host: `8000-${OPEN}.localhost:9`,
    });
  });

  it("routes the E2B headers on localhost, and leaves other requests to the API", async () => {
    const res = await request("/health", byHeaders(OPEN, "49983"));
    expect(JSON.parse(res.text).url).toBe(`/proxy/${OPEN}/49983/health`);
    expect((await request("/health", { host: "localhost:8080" })).text).toBe("api");
  });

  it("answers 502 in E2B's shape for unknown and malformed ids alike", async () => {
    for (const id of [newSandboxId(), "nope", "cl-"]) {
      const res = await request("/health", byHeaders(id, "49983"));
      expect(res.status).toBe(502);
      expect(JSON.parse(res.text)).toEqual({
        sandboxId: id,
        message: "The sandbox was not found",
        code: 502,
      });
    }
  });

  it("answers 400 for a port that is not one", async () => {
    expect((await request("/", byHeaders(OPEN, "0"))).status).toBe(400);
    expect((await request("/", byHeaders(OPEN, "70000"))).status).toBe(400);
    expect((await request("/", byHeaders(OPEN, "http"))).status).toBe(400);
  });

  it("asks for the traffic token on user ports only, and does not forward it", async () => {
    expect((await request("/", byHeaders(GUARDED, "8000"))).status).toBe(403);
    const wrong = { ...byHeaders(GUARDED, "8000"), "e2b-traffic-access-token": "guess" };
    expect((await request("/", wrong)).status).toBe(403);
    const right = { ...byHeaders(GUARDED, "8000"), "e2b-traffic-access-token": TRAFFIC_TOKEN };
    const ok = await request("/", right);
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text).traffic).toBe(null);
    expect((await request("/", byHeaders(GUARDED, "49983"))).status).toBe(200);
  });

  it("streams responses as they come and request bodies whole", async () => {
    const streamed = await request("/stream", byHeaders(OPEN, "3000"));
    expect(streamed.chunks).toEqual(["first\n", "second\n"]);
    const body = Buffer.alloc(5 * 1024 * 1024, 7);
    const upload = await request("/files", byHeaders(OPEN, "49983"), body);
    expect(JSON.parse(upload.text).bytes).toBe(body.length);
  });

  it("tunnels upgrades (WebSocket) to the agent", async () => {
    const { res, echoed } = await upgradeAndEcho(OPEN);
    expect(res.headers["x-url"]).toBe(`/proxy/${OPEN}/3000/ws`);
    expect(res.headers["x-via"]).toBe("http");
    expect(echoed).toBe("ping");
  });

  it("hands the in-process agent's sandboxes to it directly, requests and upgrades", async () => {
    const body = Buffer.alloc(1024 * 1024, 7);
    const res = await request("/files?path=/x", byHeaders(LOCAL, "49983"), body);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({
      via: "in-process",
      url: `/proxy/${LOCAL}/49983/files?path=/x`,
      host: "localhost:8080",
      traffic: null,
      bytes: body.length,
    });
    const streamed = await request("/stream", byHeaders(LOCAL, "3000"));
    expect(streamed.chunks).toEqual(["first\n", "second\n"]);
    const upgraded = await upgradeAndEcho(LOCAL);
    expect(upgraded.res.headers["x-url"]).toBe(`/proxy/${LOCAL}/3000/ws`);
    expect(upgraded.res.headers["x-via"]).toBe("in-process");
    expect(upgraded.echoed).toBe("ping");
  });

  it("refuses an upgrade for an unknown sandbox with the 502 body", async () => {
    const req = http.request({
      host: "127.0.0.1",
      port: frontPort,
      path: "/ws",
      headers: { host: `3000-${newSandboxId()}.localhost`, connection: "upgrade", upgrade: "x" },
    });
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      req.on("response", resolve);
      req.on("error", reject);
      req.end();
    });
    expect(res.statusCode).toBe(502);
    res.resume();
  });
});
