import { createHash, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { HostId } from "@wrenn/shared";
import { createProxyServer } from "http-proxy-3";
import type { Logger } from "pino";
import type { RouteCache, SandboxRoute } from "./route-cache.js";
import { isValidPort, parseSandboxTarget, type SandboxTarget } from "./sandbox-target.js";

/** envd's port: its own X-Access-Token check guards it, so the proxy adds none. */
export const ENVD_PORT = 49983;
const TRAFFIC_TOKEN_HEADER = "e2b-traffic-access-token";

export interface SandboxProxy {
  /** True when the request was sandbox traffic and is being answered; false → the API. */
  handleRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean;
  /** The same for WebSocket upgrades; false → not sandbox traffic (the API has no WebSockets). */
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /**
   * Refuses new sandbox traffic and cuts the proxied connections still open: envd streams
   * (a background command, a watch) last as long as the client wants and would otherwise hold
   * the server's close forever.
   */
  close(): void;
}

/**
 * A host agent in this process (single-host mode): its sandboxes' traffic is handed to the
 * agent's port proxy directly, so each proxied byte crosses one loopback connection fewer.
 * Both take the request with `url` already rewritten to `/proxy/{sandboxId}/{port}/…`.
 */
export interface InProcessAgent {
  /** Its host: routes to this host's sandboxes take the in-process path. */
  readonly hostId: HostId;
  web(req: http.IncomingMessage, res: http.ServerResponse): void;
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void;
}

type Refusal = { readonly status: number; readonly message: string };

function sha256Hex(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** The traffic token, when the sandbox has one and the port is not envd's. */
function checkTrafficToken(
  route: SandboxRoute,
  port: number,
  sent: string | string[] | undefined,
): Refusal | null {
  if (route.trafficTokenHash === null || port === ENVD_PORT) return null;
  if (typeof sent !== "string" || sent === "") {
    return { status: 403, message: `this sandbox needs the ${TRAFFIC_TOKEN_HEADER} header` };
  }
  const expected = Buffer.from(route.trafficTokenHash, "hex");
  const actual = sha256Hex(sent);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { status: 403, message: `the ${TRAFFIC_TOKEN_HEADER} header is not this sandbox's` };
  }
  return null;
}

function jsonBody(sandboxId: string, refusal: Refusal): string {
  return JSON.stringify({ sandboxId, message: refusal.message, code: refusal.status });
}

function refuse(res: http.ServerResponse, sandboxId: string, refusal: Refusal): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = jsonBody(sandboxId, refusal);
  res.writeHead(refusal.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}

function refuseUpgrade(socket: Duplex, sandboxId: string, refusal: Refusal): void {
  const body = jsonBody(sandboxId, refusal);
  const reason = http.STATUS_CODES[refusal.status] ?? "Error";
  socket.end(
    `HTTP/1.1 ${refusal.status} ${reason}\r\ncontent-type: application/json\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

// Same answer for unknown, malformed, stopped and paused: a caller learns nothing about
// sandboxes it has no token for (and E2B's SDK maps this 502 to "sandbox is not running").
const NOT_FOUND: Refusal = { status: 502, message: "The sandbox was not found" };

/**
 * The sandbox proxy in front of the API: E2B's `{port}-{id}.{domain}` hosts and E2b-Sandbox-*
 * headers go to the sandbox's host agent (`/proxy/{id}/{port}/…`), streaming both ways, before
 * Fastify routes or reads anything. One keep-alive pool to the agents keeps the per-call cost to
 * one loopback hop.
 */
export function createSandboxProxy(deps: {
  routes: RouteCache;
  domain: string | null;
  log: Logger;
  inProcessAgent?: InProcessAgent | null;
}): SandboxProxy {
  const local = deps.inProcessAgent ?? null;
  // Idle sockets close after 60 s, before the host agent's 65 s keep-alive timeout closes them
  // from its side, so a request is never sent on a socket the agent is closing.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1024, timeout: 60_000 });
  // No proxyTimeout: envd streams (commands, watches) stay open for as long as the caller wants.
  const proxy = createProxyServer({ xfwd: true, ws: true, agent });
  // Which sandbox a forwarded request is for, for the error path (a header would reach the app).
  const sandboxOf = new WeakMap<http.IncomingMessage, string>();
  proxy.on("error", (error, req, res) => {
    const sandboxId = sandboxOf.get(req) ?? "";
    if (res instanceof http.ServerResponse) {
      // The agent answers 502 itself when a sandbox port is closed: this is the agent gone.
      deps.log.warn({ err: error, sandboxId }, "proxied request to the host agent failed");
      refuse(res, sandboxId, { status: 502, message: "the sandbox's host did not answer" });
      return;
    }
    // An upgrade to a port nothing listens on ends like this (the agent drops the socket).
    deps.log.debug({ err: error, sandboxId }, "proxied upgrade ended with an error");
    res.destroy();
  });

  // Client connections with proxied traffic in flight, to cut on close.
  const open = new Set<Duplex>();
  let closed = false;
  function track(socket: Duplex): void {
    if (open.has(socket)) return; // a keep-alive connection's next request
    open.add(socket);
    socket.once("close", () => open.delete(socket));
  }
  const SHUTTING_DOWN: Refusal = { status: 503, message: "the server is shutting down" };

  async function resolve(
    req: http.IncomingMessage,
    target: SandboxTarget,
  ): Promise<{ route: SandboxRoute } | Refusal> {
    if (closed) return SHUTTING_DOWN;
    if (!isValidPort(target.port)) {
      return { status: 400, message: "the sandbox port must be a number from 1 to 65535" };
    }
    const route = await deps.routes.find(target.sandboxId);
    if (!route) return NOT_FOUND;
    return checkTrafficToken(route, target.port, req.headers[TRAFFIC_TOKEN_HEADER]) ?? { route };
  }

  /** Rewrites the request for the agent; the Host header stays the caller's. */
  function prepare(req: http.IncomingMessage, route: SandboxRoute, port: number): void {
    req.url = `/proxy/${route.sandboxId}/${port}${req.url?.startsWith("/") ? req.url : "/"}`;
    // A credential for this proxy, not for the program behind the port.
    delete req.headers[TRAFFIC_TOKEN_HEADER];
    sandboxOf.set(req, route.sandboxId);
  }

  function failed(sandboxId: string, error: unknown): Refusal {
    deps.log.error({ err: error, sandboxId }, "sandbox route lookup failed");
    return { status: 503, message: "the sandbox proxy cannot look up sandboxes right now" };
  }

  return {
    handleRequest(req, res) {
      const target = parseSandboxTarget(req.headers, deps.domain);
      if (!target) return false;
      resolve(req, target).then(
        (outcome) => {
          if (!("route" in outcome)) return refuse(res, target.sandboxId, outcome);
          prepare(req, outcome.route, target.port);
          track(req.socket);
          if (outcome.route.hostId === local?.hostId) local.web(req, res);
          else proxy.web(req, res, { target: outcome.route.agentOrigin });
        },
        (error: unknown) => refuse(res, target.sandboxId, failed(target.sandboxId, error)),
      );
      return true;
    },

    handleUpgrade(req, socket, head) {
      const target = parseSandboxTarget(req.headers, deps.domain);
      if (!target) return false;
      resolve(req, target).then(
        (outcome) => {
          if (!("route" in outcome)) return refuseUpgrade(socket, target.sandboxId, outcome);
          prepare(req, outcome.route, target.port);
          track(socket);
          if (outcome.route.hostId === local?.hostId) return local.upgrade(req, socket, head);
          // Node hands every upgrade a net.Socket (a TLSSocket behind https); the type says Duplex.
          proxy.ws(req, socket as Socket, head, { target: outcome.route.agentOrigin });
        },
        (error: unknown) =>
          refuseUpgrade(socket, target.sandboxId, failed(target.sandboxId, error)),
      );
      return true;
    },

    close() {
      closed = true;
      for (const socket of open) socket.destroy();
      proxy.close();
      agent.destroy();
    },
  };
}
