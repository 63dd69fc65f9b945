import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import type { SandboxService } from "../../services/sandboxes.js";
import type { SnapshotService } from "../../services/snapshots.js";
import type { TemplateService } from "../../services/templates.js";

/** What the E2B adapter needs: the same services as the native routes, and the public domain. */
export interface E2bDeps {
  readonly sandboxes: SandboxService;
  readonly snapshots: SnapshotService;
  readonly templates: Pick<TemplateService, "resolve" | "list">;
  /** WRENN_DOMAIN: returned as `domain`; null lets the SDK use its own (Recipe A headers). */
  readonly domain: string | null;
}

/** The Fastify instance an E2B operation registers itself on. */
export type E2bApp = Parameters<FastifyPluginAsyncTypebox>[0];
