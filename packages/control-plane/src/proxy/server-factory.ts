import type { EventEmitter } from "node:events";
import http from "node:http";
import type { FastifyServerFactory } from "fastify";
import type { SandboxProxy } from "./sandbox-proxy.js";

/**
 * Buffering per proxied stream. Node's 16 KiB default makes every 64 KiB socket read overflow
 * the response at once, so each chunk waits for a drain before the next is read; a larger
 * buffer keeps file transfers flowing (measured: about +15% on 100 MB through one hop).
 */
const STREAM_HIGH_WATER_MARK = 1024 * 1024;

/**
 * Fastify's HTTP server with the sandbox proxy in front: sandbox traffic is answered before
 * Fastify routes it or reads its body (envd's `/files`, `/health` and `/process.Process/…`
 * would otherwise meet the API's router, body limit and JSON-only parser), and bodies stream
 * through untouched. Everything else goes to Fastify as usual; WebSocket upgrades the proxy does
 * not take are emitted on `apiUpgrades`, where the API's WebSocket plugin listens.
 */
export function sandboxProxyServerFactory(
  proxy: SandboxProxy,
  apiUpgrades: EventEmitter,
): FastifyServerFactory {
  return (handler, options) => {
    const server = http.createServer({ highWaterMark: STREAM_HIGH_WATER_MARK }, (req, res) => {
      if (!proxy.handleRequest(req, res)) handler(req, res);
    });
    // The timeouts Fastify would have set on a server of its own.
    server.keepAliveTimeout = Number(options.keepAliveTimeout ?? 72_000);
    server.requestTimeout = Number(options.requestTimeout ?? 0);
    server.setTimeout(Number(options.connectionTimeout ?? 0));
    server.on("upgrade", (req, socket, head) => {
      // The rest are the API's own WebSocket routes (the terminal), routed by Fastify.
      if (!proxy.handleUpgrade(req, socket, head)) apiUpgrades.emit("upgrade", req, socket, head);
    });
    return server;
  };
}
