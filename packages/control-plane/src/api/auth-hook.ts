import {
  ForbiddenError,
  InvalidArgumentError,
  type TeamId,
  teamIds,
  UnauthenticatedError,
} from "@wrenn/shared";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { API_KEY_PREFIX } from "../auth/api-keys.js";
import type { Authenticator } from "../auth/authenticator.js";
import type { Principal, Session } from "../auth/principal.js";

/**
 * How a route authenticates, set per route as `config: { auth }`:
 * - "session": a signed-in user (Authorization: Bearer <JWT>), for routes about the user;
 * - "team": a user acting in a team (JWT + the team from the path's :teamId, X-Team-Id or the
 *   token) or an API key acting in its own team. Sandbox routes use this.
 * Routes without `auth` are public.
 */
export type AuthMode = "session" | "team";

declare module "fastify" {
  interface FastifyContextConfig {
    auth?: AuthMode;
  }
  interface FastifyRequest {
    principal: Principal | null;
    session: Session | null;
  }
}

/** OpenAPI security requirements per mode; the names match the securitySchemes in docs.ts. */
export const SECURITY: Record<AuthMode, Record<string, string[]>[]> = {
  session: [{ bearerAuth: [] }],
  team: [{ apiKeyAuth: [] }, { bearerAuth: [] }],
};

/** The WebSocket subprotocol that carries a credential: `wrenn.auth.<JWT or API key>`. */
const WS_AUTH_PROTOCOL_PREFIX = "wrenn.auth.";

/**
 * Browsers cannot set headers on a WebSocket, so a WebSocket upgrade may carry its credential
 * as a subprotocol (docs/terminal-protocol.md). Plain HTTP requests never read this header.
 */
function webSocketCredential(request: FastifyRequest): string | null {
  if (request.headers.upgrade?.toLowerCase() !== "websocket") return null;
  const offered = request.headers["sec-websocket-protocol"] ?? "";
  const credential = offered
    .split(",")
    .map((protocol) => protocol.trim())
    .find((protocol) => protocol.startsWith(WS_AUTH_PROTOCOL_PREFIX));
  return credential ? credential.slice(WS_AUTH_PROTOCOL_PREFIX.length) || null : null;
}

function readApiKey(request: FastifyRequest): string | null {
  // Node lowercases header names; the e2b SDK sends X-API-KEY, our docs say X-API-Key.
  const apiKey = request.headers["x-api-key"];
  if (Array.isArray(apiKey)) throw new UnauthenticatedError("send one X-API-Key header");
  if (apiKey) return apiKey;
  const credential = webSocketCredential(request);
  return credential?.startsWith(API_KEY_PREFIX) ? credential : null;
}

function readBearer(request: FastifyRequest): string | null {
  const authorization = request.headers.authorization;
  if (authorization === undefined) {
    const credential = webSocketCredential(request);
    return credential && !credential.startsWith(API_KEY_PREFIX) ? credential : null;
  }
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!match?.[1]) throw new UnauthenticatedError("Authorization must be `Bearer <token>`");
  return match[1];
}

/** The team a request names: the path's :teamId first, then X-Team-Id. */
function requestedTeam(request: FastifyRequest): TeamId | null {
  const params = request.params;
  const fromPath =
    typeof params === "object" && params !== null && "teamId" in params ? params.teamId : undefined;
  const raw = typeof fromPath === "string" ? fromPath : request.headers["x-team-id"];
  if (raw === undefined) return null;
  if (typeof raw !== "string") throw new InvalidArgumentError("send one X-Team-Id header");
  return teamIds.parse(raw);
}

export function installAuthHook(app: FastifyInstance, authenticator: Authenticator): void {
  app.decorateRequest("principal", null);
  app.decorateRequest("session", null);

  // onRequest: before the body is read, so an anonymous caller cannot make us parse 1 MiB.
  app.addHook("onRequest", async (request) => {
    const mode = request.routeOptions.config.auth;
    if (!mode) return;
    const apiKey = readApiKey(request);
    if (mode === "session") {
      const bearer = readBearer(request);
      if (bearer) {
        request.session = await authenticator.session(bearer);
        return;
      }
      if (apiKey) throw new ForbiddenError("this route needs a signed-in user, not an API key");
      throw new UnauthenticatedError("sign in first: send Authorization: Bearer <token>");
    }
    const team = requestedTeam(request);
    // The API key wins when both are sent, and Authorization is then not even read: SDKs add
    // their own (older e2b SDKs send E2B_ACCESS_TOKEN as a Bearer token).
    if (apiKey) {
      request.principal = await authenticator.apiKey(apiKey, team);
      return;
    }
    const bearer = readBearer(request);
    if (!bearer) throw new UnauthenticatedError("send X-API-Key or Authorization: Bearer <token>");
    request.principal = await authenticator.userInTeam(bearer, team);
  });

  // Documents each route's security in OpenAPI from its auth mode; added before any route.
  app.addHook("onRoute", (route) => {
    const mode = route.config?.auth;
    if (mode) route.schema = { ...route.schema, security: SECURITY[mode] };
  });
}

/** The principal of a route declared with `auth: "team"`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal)
    throw new Error(`${request.routeOptions.url} is not an auth: "team" route`);
  return request.principal;
}

/** The session of a route declared with `auth: "session"`. */
export function sessionOf(request: FastifyRequest): Session {
  if (!request.session)
    throw new Error(`${request.routeOptions.url} is not an auth: "session" route`);
  return request.session;
}
