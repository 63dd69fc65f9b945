import { createRequire } from "node:module";
import { join } from "node:path";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { buildServer } from "./api/server.js";
import { createAuthenticator } from "./auth/authenticator.js";
import { createSecretBox } from "./auth/secret-box.js";
import { loadOrCreateSecret } from "./auth/secrets.js";
import { createSessionTokens } from "./auth/session-tokens.js";
import type { Config } from "./config.js";
import { type Database, openDatabase } from "./db/client.js";
import type { EventBus } from "./events/bus.js";
import { createInProcessEventBus } from "./events/in-process-bus.js";
import type { ControlPlaneExtension, ExtensionContext } from "./extensions.js";
import { createServices, type Services } from "./services/index.js";
import { createJobTracker } from "./services/jobs.js";
import { createTeamHooks } from "./services/team-hooks.js";

export interface ControlPlaneOptions {
  readonly config: Config;
  readonly log: Logger;
  readonly extensions?: readonly ControlPlaneExtension[];
  /** Injectable for tests of time-driven rules (token expiry). */
  readonly clock?: () => Date;
}

export interface ControlPlane {
  readonly app: FastifyInstance;
  readonly services: Services;
  readonly db: Database;
  readonly events: EventBus;
  /** Listens on config.host:config.port; resolves to the URL. */
  listen(): Promise<string>;
  /** Stops accepting requests, waits for them, then jobs, extensions, events and the database. */
  close(): Promise<void>;
}

const { version } = createRequire(import.meta.url)("../package.json") as { version: string };

/**
 * The composition root: config → secrets → database (migrated) → services → extensions →
 * HTTP server. Throws on any failure after undoing what it had opened; never exits.
 */
export async function createControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { config, log } = options;
  const clock = options.clock ?? (() => new Date());
  const secret = async (value: string | null, file: string) =>
    value ?? loadOrCreateSecret(join(config.dataDir, file), log);
  const jwtSecret = await secret(config.jwtSecret, "jwt-secret");
  const secretBox = createSecretBox(await secret(config.encryptionKey, "encryption-key"));

  const db = await openDatabase(config.database, log.child({ component: "db" }));
  const events = createInProcessEventBus(log.child({ component: "events" }));
  const jobs = createJobTracker(log.child({ component: "jobs" }));
  const closers: (() => Promise<void>)[] = [];

  async function shutdown(app: FastifyInstance | null): Promise<void> {
    await app?.close();
    await jobs.close();
    for (const close of closers.reverse()) await close();
    await events.close();
    await db.close();
  }

  try {
    const teamHooks = createTeamHooks(log.child({ component: "team-hooks" }));
    const tokens = createSessionTokens({ secret: jwtSecret, ttlMs: config.sessionTtlMs, clock });
    const services = createServices({ db, tokens, teamHooks, log });
    const routes: FastifyPluginAsyncTypebox[] = [];
    for (const extension of options.extensions ?? []) {
      const ctx: ExtensionContext = {
        config,
        log: log.child({ extension: extension.name }),
        db,
        services,
        events,
        jobs,
        secretBox,
        teamHooks,
        addRoutes: (plugin) => routes.push(plugin),
        onClose: (fn) => closers.push(fn),
      };
      await extension.setup(ctx);
    }
    const app = await buildServer({
      config,
      log,
      version,
      authenticator: createAuthenticator({ queries: db.queries, tokens }),
      services,
      ping: () => db.ping(),
      routes,
    });
    await app.ready();

    return {
      app,
      services,
      db,
      events,
      async listen() {
        return app.listen({ host: config.host, port: config.port });
      },
      close: () => shutdown(app),
    };
  } catch (error) {
    await shutdown(null);
    throw error;
  }
}

export type { Config, DatabaseTarget, RateLimitConfig } from "./config.js";
export { ConfigError, loadConfig } from "./config.js";
export type { EventBus, EventHandler } from "./events/bus.js";
export { waitForEvent } from "./events/bus.js";
export type { SandboxStateEvent, WrennEvent } from "./events/types.js";
export type { ControlPlaneExtension, ExtensionContext } from "./extensions.js";
export { createLogger } from "./log.js";
