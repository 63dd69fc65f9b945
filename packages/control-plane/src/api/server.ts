import { randomUUID } from "node:crypto";
import type { EventEmitter } from "node:events";
import type http from "node:http";
import rateLimit from "@fastify/rate-limit";
import type {
  FastifyPluginAsyncTypebox,
  TypeBoxTypeProvider,
} from "@fastify/type-provider-typebox";
import websocket from "@fastify/websocket";
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerFactory,
} from "fastify";
import type { Logger } from "pino";
import type { Authenticator } from "../auth/authenticator.js";
import type { Config } from "../config.js";
import type { Services } from "../services/index.js";
import { authRoutes } from "./auth/routes.js";
import { installAuthHook } from "./auth-hook.js";
import { registerDocs } from "./docs.js";
import { installErrorHandlers } from "./errors.js";
import { healthRoutes } from "./health/routes.js";
import { homeRoutes } from "./home/routes.js";
import { keyRoutes } from "./keys/routes.js";
import { memberRoutes } from "./members/routes.js";
import { TERMINAL_PROTOCOL } from "./sandboxes/pty-routes.js";
import { sandboxRoutes } from "./sandboxes/routes.js";
import { ErrorBody } from "./schemas.js";
import { snapshotRoutes } from "./snapshots/routes.js";
import { teamRoutes } from "./teams/routes.js";
import { templateRoutes } from "./templates/routes.js";
import { installValidators } from "./validation.js";

export interface ServerDeps {
  readonly config: Config;
  readonly log: Logger;
  readonly version: string;
  readonly authenticator: Authenticator;
  readonly services: Services;
  readonly ping: () => Promise<void>;
  /**
   * More route plugins, registered after the native API behind the same hooks: the E2B routes
   * (api/e2b/) and the extensions' routes. Declare `config: { auth: "team" }` on them.
   */
  readonly routes: readonly FastifyPluginAsyncTypebox[];
  /**
   * The HTTP server, when something must see raw requests before Fastify (the sandbox proxy:
   * proxy/server-factory.ts); Fastify's own server otherwise.
   */
  readonly serverFactory?: FastifyServerFactory;
  /**
   * Where WebSocket upgrades for the API arrive when `serverFactory` sees them first (it emits
   * "upgrade" there for those it does not take); the server's own upgrades otherwise.
   */
  readonly apiUpgrades?: EventEmitter;
}

/** Who a request counts against: its API key, its user, or (anonymous) its address. */
function rateLimitKey(request: FastifyRequest): string {
  const p = request.principal;
  if (p?.via === "api_key") return `key:${p.keyId}`;
  const userId = p?.userId ?? request.session?.userId;
  return userId ? `user:${userId}` : `ip:${request.ip}`;
}

/** The HTTP API: plugins and hooks in the order they must see routes, then the routes. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  // Typed as Fastify's logger so the instance has Fastify's default logger type parameter.
  const loggerInstance: FastifyBaseLogger = deps.log;
  const app = Fastify({
    loggerInstance,
    bodyLimit: deps.config.bodyLimitBytes,
    genReqId: () => randomUUID(),
    ...(deps.serverFactory && { serverFactory: deps.serverFactory }),
  }).withTypeProvider<TypeBoxTypeProvider>();

  // The API speaks JSON only: any other body is a 415. Routes that take files (multipart)
  // add their parser in their own plugin scope.
  app.removeContentTypeParser("text/plain");
  installValidators(app);
  installErrorHandlers(app);
  // First hook of all, so even a request the auth hook rejects carries its id back.
  app.addHook("onRequest", async (request, reply) => {
    reply.header("x-request-id", request.id);
  });
  // Before the auth hook: the plugin's own onRequest hook marks upgrade requests so that a
  // rejected upgrade's socket is closed after its HTTP error; a hook that never ran would leave
  // it open (and the server's close waiting on it).
  await app.register(websocket, {
    options: {
      maxPayload: 1024 * 1024,
      // Select our subprotocol when offered; the auth subprotocol is never echoed back.
      handleProtocols: (offered: Set<string>) =>
        offered.has(TERMINAL_PROTOCOL) ? TERMINAL_PROTOCOL : false,
      ...(deps.apiUpgrades && { server: deps.apiUpgrades as http.Server }),
    },
  });
  installAuthHook(app, deps.authenticator);
  app.addSchema(ErrorBody);
  await registerDocs(app, { version: deps.version });
  await app.register(rateLimit, {
    global: true,
    // preHandler: after the auth hook (onRequest), so the key or user is known.
    hook: "preHandler",
    max: deps.config.rateLimit.perMinute,
    timeWindow: 60_000,
    keyGenerator: rateLimitKey,
  });

  await app.register(healthRoutes({ ping: deps.ping }));
  await app.register(
    authRoutes({ accounts: deps.services.accounts, rateLimit: deps.config.rateLimit }),
  );
  await app.register(teamRoutes({ teams: deps.services.teams }));
  await app.register(memberRoutes({ members: deps.services.members }));
  await app.register(keyRoutes({ keys: deps.services.keys }));
  await app.register(
    sandboxRoutes({
      sandboxes: deps.services.sandboxes,
      maxUploadBytes: deps.config.maxUploadBytes,
    }),
  );
  await app.register(snapshotRoutes({ snapshots: deps.services.snapshots }));
  await app.register(templateRoutes({ templates: deps.services.templates }));
  await app.register(homeRoutes({ dashboardDir: deps.config.dashboardDir }));
  for (const routes of deps.routes) await app.register(routes);
  return app;
}
