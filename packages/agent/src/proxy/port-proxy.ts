import type http from "node:http";
import type { Duplex } from "node:stream";
import { isSandboxId, type SandboxId } from "@wrenn/shared";
import { createProxyServer } from "http-proxy-3";
import type { Logger } from "pino";
import { ENVD_PORT } from "../envd/envd-client.js";
import type { SandboxTable } from "../manager/sandbox-table.js";
import type { ConnectionTracker } from "./connection-tracker.js";
import { forwardToEnvd } from "./envd-forward.js";

const PREFIX = "/proxy/";

interface ProxyTarget {
  sandboxId: SandboxId;
  port: number;
  origin: string;
  path: string;
}

/**
 * `/proxy/{sandboxId}/{port}/…` → the sandbox's port, for HTTP (streaming both ways) and
 * WebSocket. Every proxied connection is counted per sandbox so pause can drain them.
 */
export function createPortProxy(deps: {
  table: SandboxTable;
  tracker: ConnectionTracker;
  log: Logger;
}) {
  const proxy = createProxyServer({ xfwd: true, ws: true });
  proxy.on("error", (error, _req, res) => {
    deps.log.debug({ err: error }, "proxied connection failed");
    if (res && "writeHead" in res)
      sendProxyError(res as http.ServerResponse, 502, "the sandbox port did not answer");
    else (res as Duplex | undefined)?.destroy();
  });

  function resolve(
    url: string,
  ): ProxyTarget | { status: number; message: string; sandboxId?: string } {
    const [pathPart, query = ""] = url.split("?", 2) as [string, string?];
    const [id = "", portText = "", ...rest] = pathPart.slice(PREFIX.length).split("/");
    if (!isSandboxId(id)) return { status: 400, message: `not a sandbox id: ${id}` };
    const port = Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      return { status: 400, message: `port must be 1-65535, got ${portText}`, sandboxId: id };
    }
    const record = deps.table.find(id);
    if (!record) return { status: 502, message: "The sandbox was not found", sandboxId: id };
    // A paused sandbox has no slot; its ports come back with resume.
    if (record.status !== "running" || !record.slot || deps.tracker.isDraining(id)) {
      return {
        status: 503,
        message: `the sandbox is ${record.status}; retry once it is running`,
        sandboxId: id,
      };
    }
    return {
      sandboxId: id,
      port,
      origin: `http://${record.slot.sandboxAddress}:${port}`,
      path: `/${rest.join("/")}${query ? `?${query}` : ""}`,
    };
  }

  return {
    matches(url: string | undefined): boolean {
      return url?.startsWith(PREFIX) ?? false;
    },

    web(req: http.IncomingMessage, res: http.ServerResponse): void {
      const target = resolve(req.url ?? "/");
      if (!("origin" in target)) {
        sendProxyError(res, target.status, target.message, target.sandboxId);
        return;
      }
      const release = deps.tracker.admit(target.sandboxId, { destroy: () => res.destroy() });
      if (!release) {
        sendProxyError(res, 503, "the sandbox is pausing", target.sandboxId);
        return;
      }
      res.once("close", release);
      if (target.port === ENVD_PORT) {
        const pool = deps.tracker.upstream(target.sandboxId, target.origin);
        forwardToEnvd(pool, req, res, target.path, (error) => {
          deps.log.debug({ err: error, sandboxId: target.sandboxId }, "envd request failed");
          sendProxyError(res, 502, "the sandbox port did not answer", target.sandboxId);
        });
        return;
      }
      req.url = target.path;
      // A fresh connection per request: a user's server may close an idle keep-alive connection
      // at any time (Python's does after each request when the client sent `Connection: close`),
      // and a request sent on such a socket as it closes would fail. envd never does.
      proxy.web(req, res, { target: target.origin, changeOrigin: false });
    },

    upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
      const target = resolve(req.url ?? "/");
      if (!("origin" in target)) {
        socket.end(`HTTP/1.1 ${target.status} Proxy Error\r\nconnection: close\r\n\r\n`);
        return;
      }
      const release = deps.tracker.admit(target.sandboxId, socket);
      if (!release) {
        socket.end("HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\n\r\n");
        return;
      }
      socket.once("close", release);
      req.url = target.path;
      proxy.ws(req, socket as import("node:net").Socket, head, { target: target.origin });
    },

    close(): void {
      proxy.close();
    },
  };
}

export type PortProxy = ReturnType<typeof createPortProxy>;

function sendProxyError(
  res: http.ServerResponse,
  status: number,
  message: string,
  sandboxId?: string,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ ...(sandboxId ? { sandboxId } : {}), message, code: status });
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}
