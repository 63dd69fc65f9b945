import { connectNodeAdapter } from "@connectrpc/connect-node";
import { Filesystem } from "@wrenn/proto/envd/filesystem";
import { Process } from "@wrenn/proto/envd/process";
import type { EnvdConfig } from "./config.js";
import { applyCors } from "./http/cors.js";
import { filesHandlers } from "./http/files.js";
import { envsHandler, initHandler } from "./http/init.js";
import { metricsHandler } from "./http/metrics.js";
import {
  HttpError,
  type HttpHandler,
  type Request,
  type Response,
  sendError,
  sendNoContent,
} from "./http/respond.js";
import { snapshotPrepareHandler } from "./http/snapshot.js";
import { createIdentity } from "./identity.js";
import type { Logger } from "./log.js";
import { createPortForwarder } from "./ports/port-forwarder.js";
import { createDualServer } from "./server.js";
import { createFilesystemService } from "./services/filesystem/filesystem-service.js";
import { createProcessService } from "./services/process/process-service.js";
import { createState, tokenMatches } from "./state.js";
import { createUserDirectory } from "./users.js";

export type { EnvdConfig } from "./config.js";
export { ENVD_NODE_FLAGS } from "./node-flags.js";

const UNAUTHORIZED =
  "unauthorized access, please provide a valid access token or method signing if supported";

/** Builds envd: state, services, HTTP routes and the server. Nothing listens until listen(). */
export function createEnvd(config: EnvdConfig, log: Logger) {
  const state = createState(config.defaultUser);
  const users = createUserDirectory();
  const identity = createIdentity({ state, users });
  const services = { state, users, identity, log };

  const processes = createProcessService({ ...services, log: log.child({ component: "process" }) });
  const filesystem = createFilesystemService({
    ...services,
    log: log.child({ component: "filesystem" }),
  });
  const ports = createPortForwarder({ config, log: log.child({ component: "ports" }) });
  const files = filesHandlers(services);

  const routes = new Map<string, HttpHandler>([
    ["GET /health", (_req, res) => sendNoContent(res)],
    ["POST /init", initHandler({ state, users, log, resumeBackgroundWork: () => ports.start() })],
    ["GET /envs", envsHandler({ state })],
    ["GET /metrics", metricsHandler({ config })],
    ["GET /files", files.download],
    ["POST /files", files.upload],
    [
      "POST /snapshot/prepare",
      snapshotPrepareHandler({ log, pauseBackgroundWork: () => ports.stop() }),
    ],
  ]);
  // These check credentials themselves (/files accepts signatures; /init guards token changes).
  const tokenExempt = new Set(["GET /health", "GET /files", "POST /files", "POST /init"]);

  const rpc = connectNodeAdapter({
    routes(router) {
      router.service(Process, processes.impl);
      router.service(Filesystem, filesystem.impl);
    },
    // connect-node types its response loosely; at run time it is the server's own response.
    fallback: (req, res) => void serveHttp(req, res as Response),
  });

  async function serveHttp(req: Request, res: Response): Promise<void> {
    const url = new URL(req.url ?? "/", "http://envd");
    const route = routes.get(`${req.method} ${url.pathname}`);
    try {
      if (!route) throw new HttpError(404, `no route for ${req.method} ${url.pathname}`);
      if (url.pathname === "/init" && state.accessToken !== undefined) {
        if (!tokenMatches(state, header(req, "x-access-token")))
          throw new HttpError(401, UNAUTHORIZED);
      }
      await route(req, res, url);
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      if (status >= 500) log.error({ err: error, path: url.pathname }, "request failed");
      sendError(res, status, status >= 500 ? "internal error" : (error as Error).message);
    }
  }

  function onRequest(req: Request, res: Response): void {
    if (applyCors(req, res)) return;
    const path = (req.url ?? "/").split("?")[0];
    const key = `${req.method} ${path}`;
    if (state.accessToken !== undefined && !tokenExempt.has(key)) {
      if (!tokenMatches(state, header(req, "x-access-token"))) {
        sendError(res, 401, UNAUTHORIZED);
        return;
      }
    }
    rpc(req, res);
  }

  const server = createDualServer(onRequest);

  return {
    state,
    async listen(): Promise<{ port: number; host: string }> {
      const address = await server.listen(config.port, config.host);
      if (config.portForwarding) ports.start();
      log.info({ port: address.port, host: address.address }, "listening");
      return { port: address.port, host: address.address };
    },
    async close(): Promise<void> {
      await ports.stop();
      filesystem.shutdown();
      processes.shutdown();
      await server.close();
    },
  };
}

export type Envd = ReturnType<typeof createEnvd>;

function header(req: Request, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
