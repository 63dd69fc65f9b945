import { EventEmitter } from "node:events";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";
import { e2bRoutes } from "./api/e2b/routes.js";
import { buildServer } from "./api/server.js";
import { createAuthenticator } from "./auth/authenticator.js";
import { createSecretBox } from "./auth/secret-box.js";
import { loadOrCreateSecret } from "./auth/secrets.js";
import { createSessionTokens } from "./auth/session-tokens.js";
import type { Config } from "./config.js";
import { type Database, openDatabase } from "./db/client.js";
import type { EventBus } from "./events/bus.js";
import { createInProcessEventBus } from "./events/in-process-bus.js";
import { createRedisEventBus } from "./events/redis-stream-bus.js";
import type { ControlPlaneExtension, ExtensionContext } from "./extensions.js";
import { type EmbeddedAgent, startEmbeddedAgent } from "./hosts/embedded-agent.js";
import { createHostClients } from "./hosts/host-clients.js";
import { createReconciler, type Reconciler } from "./hosts/reconciler.js";
import { createScheduler } from "./hosts/scheduler/scheduler.js";
import { createSandboxProxyFor } from "./proxy/index.js";
import { sandboxProxyServerFactory } from "./proxy/server-factory.js";
import { createServices, type Services } from "./services/index.js";
import { createJobTracker } from "./services/jobs.js";
import { createSandboxStateWriter } from "./services/sandbox-states.js";
import { createSandboxTokens } from "./services/sandbox-tokens.js";
import { createTeamHooks } from "./services/team-hooks.js";

/** How long proxied traffic waits for an auto-resume before it is answered "not found". */
const AUTO_RESUME_WAIT_MS = 60_000;

export interface ControlPlaneOptions {
  readonly config: Config;
  readonly log: Logger;
  readonly extensions?: readonly ControlPlaneExtension[];
  /** Injectable for tests of time-driven rules (token expiry, the reconciler's grace). */
  readonly clock?: () => Date;
  /** How long the reconciler leaves a transient state to its worker; tests shorten it. */
  readonly reconcileGraceMs?: number;
}

export interface ControlPlane {
  readonly app: FastifyInstance;
  readonly services: Services;
  readonly db: Database;
  readonly events: EventBus;
  readonly reconciler: Reconciler;
  /** Single-host mode's agent (its host row and address); null when WRENN_EMBEDDED_AGENT=false. */
  readonly embeddedAgent: Pick<EmbeddedAgent, "host"> | null;
  /** Listens on config.host:config.port; resolves to the URL. */
  listen(): Promise<string>;
  /**
   * Stops accepting requests and waits for them, then the reconciler, lifecycle jobs,
   * extensions, the embedded agent (its sandboxes keep running), events and the database.
   */
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
  const encryptionKey = await secret(config.encryptionKey, "encryption-key");
  const secretBox = createSecretBox(encryptionKey);

  const db = await openDatabase(config.database, log.child({ component: "db" }));
  const eventsLog = log.child({ component: "events" });
  let events: EventBus;
  try {
    events = config.redisUrl
      ? await createRedisEventBus(config.redisUrl, eventsLog)
      : createInProcessEventBus(eventsLog);
  } catch (error) {
    await db.close();
    throw error;
  }
  const jobs = createJobTracker(log.child({ component: "jobs" }));
  const closers: (() => Promise<void>)[] = [];
  let embedded: EmbeddedAgent | null = null;
  let reconciler: Reconciler | null = null;
  let proxy: { close(): void } | null = null;

  async function shutdown(app: FastifyInstance | null): Promise<void> {
    proxy?.close();
    await app?.close();
    await reconciler?.stop();
    await jobs.close();
    for (const close of closers.reverse()) await close();
    await embedded?.stop();
    await events.close();
    await db.close();
  }

  try {
    const teamHooks = createTeamHooks(log.child({ component: "team-hooks" }));
    const tokens = createSessionTokens({ secret: jwtSecret, ttlMs: config.sessionTtlMs, clock });
    const hostClients = createHostClients({ hosts: db.queries.hosts });
    if (config.embeddedAgent) {
      embedded = await startEmbeddedAgent({
        config,
        log: log.child({ component: "agent" }),
        hosts: db.queries.hosts,
      });
      hostClients.remember(embedded.host);
    }
    const services = createServices({
      db,
      tokens,
      teamHooks,
      log,
      sandboxes: {
        events,
        jobs,
        hosts: hostClients,
        scheduler: createScheduler({ hosts: db.queries.hosts, sandboxes: db.queries.sandboxes }),
        tokens: createSandboxTokens(encryptionKey),
        secretBox,
        clock,
      },
    });
    reconciler = createReconciler({
      hosts: db.queries.hosts,
      sandboxes: db.queries.sandboxes,
      clients: hostClients,
      states: createSandboxStateWriter({ sandboxes: db.queries.sandboxes, events, clock }),
      isBusy: services.sandboxes.isBusy,
      log: log.child({ component: "reconciler" }),
      clock,
      intervalMs: config.reconcileIntervalMs,
      ...(options.reconcileGraceMs !== undefined && { graceMs: options.reconcileGraceMs }),
    });
    // Before serving: sandboxes reaped or auto-paused while the server was down are right at once.
    await reconciler.runOnce();
    reconciler.start();

    const routes: FastifyPluginAsyncTypebox[] = [];
    // The E2B-compatible routes (api/e2b/) register here, over the same services.
    routes.push(e2bRoutes({ ...services, domain: config.domain }));
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
    const sandboxProxy = createSandboxProxyFor({
      queries: db.queries,
      events,
      domain: config.domain,
      log: log.child({ component: "proxy" }),
      autoResume: (sandbox) =>
        services.sandboxes.resumeForTraffic(sandbox, AbortSignal.timeout(AUTO_RESUME_WAIT_MS)),
      inProcessAgent: embedded && { hostId: embedded.host.id, ...embedded.portProxy },
    });
    proxy = sandboxProxy;
    const apiUpgrades = new EventEmitter();
    const app = await buildServer({
      config,
      log,
      version,
      authenticator: createAuthenticator({ queries: db.queries, tokens }),
      services,
      ping: () => db.ping(),
      routes,
      serverFactory: sandboxProxyServerFactory(sandboxProxy, apiUpgrades),
      apiUpgrades,
    });
    await app.ready();

    return {
      app,
      services,
      db,
      events,
      reconciler,
      embeddedAgent: embedded && { host: embedded.host },
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
