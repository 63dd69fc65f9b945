import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { Logger } from "pino";
import type { SecretBox } from "./auth/secret-box.js";
import type { Config } from "./config.js";
import type { Database } from "./db/client.js";
import type { EventBus } from "./events/bus.js";
import type { Services } from "./services/index.js";
import type { JobTracker } from "./services/jobs.js";
import type { TeamHooks } from "./services/team-hooks.js";

/**
 * What an extension can see and plug into. Everything is built before `setup` runs, and the
 * HTTP server is built after every `setup` returned, with the extensions' routes in it.
 */
export interface ExtensionContext {
  readonly config: Config;
  readonly log: Logger;
  readonly db: Database;
  readonly services: Services;
  readonly events: EventBus;
  readonly jobs: JobTracker;
  /** Seals values stored at rest (sandbox env vars) under the configured encryption key. */
  readonly secretBox: SecretBox;
  readonly teamHooks: Pick<TeamHooks, "onTeamDeleted">;
  /**
   * Routes behind the same error handler, validators, rate limits and auth hook: declare
   * `config: { auth: "team" }` and read `principalOf(request)`.
   */
  addRoutes(plugin: FastifyPluginAsyncTypebox): void;
  /** Runs at close, after the HTTP server stopped and jobs settled, in reverse order. */
  onClose(fn: () => Promise<void>): void;
}

export interface ControlPlaneExtension {
  readonly name: string;
  setup(ctx: ExtensionContext): void | Promise<void>;
}
