import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { parseSandboxId } from "@wrenn/shared";
import type { SandboxService } from "../../services/sandboxes.js";
import { principalOf } from "../auth-hook.js";
import { TeamHeader, withErrors } from "../schemas.js";
import { execRoutes } from "./exec-routes.js";
import { fileRoutes } from "./files-routes.js";
import { decodeCursor, encodeCursor, parseMetadataFilter, parseStates } from "./list-query.js";
import { terminalRoutes } from "./pty-routes.js";
import {
  CreateSandboxBody,
  ListSandboxesQuery,
  MetricsQuery,
  MetricsView,
  PauseBody,
  ResumeBody,
  SandboxList,
  SandboxParams,
  SandboxView,
  SandboxWithTokensView,
  TimeoutBody,
  toSandboxView,
  toSandboxWithTokens,
} from "./schemas.js";

export interface SandboxRouteDeps {
  readonly sandboxes: SandboxService;
  /** Largest upload through PUT /v1/sandboxes/:id/files. */
  readonly maxUploadBytes: number;
}

const tags = ["sandboxes"];
const team = { auth: "team" } as const;

/**
 * The native sandbox API. Create, delete, pause and resume answer 202 with the sandbox in its
 * new transient state; poll GET (or watch `state`) for the outcome. Another team's sandbox is a
 * 404 on every route.
 */
export function sandboxRoutes(deps: SandboxRouteDeps): FastifyPluginAsyncTypebox {
  const { sandboxes } = deps;
  return async (app) => {
    app.post(
      "/v1/sandboxes",
      {
        config: team,
        schema: {
          tags,
          summary: "Create a sandbox (202: it starts in the background)",
          headers: TeamHeader,
          body: CreateSandboxBody,
          response: withErrors({ 202: SandboxWithTokensView }),
        },
      },
      async (request, reply) => {
        const { templateId, ...rest } = request.body;
        const created = await sandboxes.create(principalOf(request), {
          ...rest,
          ...(templateId !== undefined && { template: templateId }),
        });
        return reply.code(202).send(toSandboxWithTokens(created.sandbox, created.access));
      },
    );

    app.get(
      "/v1/sandboxes",
      {
        config: team,
        schema: {
          tags,
          summary: "The team's sandboxes, newest first, filtered by state and metadata",
          headers: TeamHeader,
          querystring: ListSandboxesQuery,
          response: withErrors({ 200: SandboxList }),
        },
      },
      async (request) => {
        const { status, metadata, limit = 100, cursor } = request.query;
        const states = parseStates(status);
        const filter = parseMetadataFilter(metadata);
        const after = decodeCursor(cursor);
        const page = await sandboxes.list(principalOf(request).teamId, {
          limit,
          ...(states && { states }),
          ...(filter && { metadata: filter }),
          ...(after && { after }),
        });
        const last = page.at(-1);
        return {
          sandboxes: page.map(toSandboxView),
          nextCursor: last && page.length === limit ? encodeCursor(last) : null,
        };
      },
    );

    app.get(
      "/v1/sandboxes/:id",
      {
        config: team,
        schema: {
          tags,
          summary: "One sandbox",
          headers: TeamHeader,
          params: SandboxParams,
          response: withErrors({ 200: SandboxView }),
        },
      },
      async (request) =>
        toSandboxView(
          await sandboxes.get(principalOf(request).teamId, parseSandboxId(request.params.id)),
        ),
    );

    app.delete(
      "/v1/sandboxes/:id",
      {
        config: team,
        schema: {
          tags,
          summary: "Destroy a sandbox (202: stopping; a stopped one is returned as is)",
          headers: TeamHeader,
          params: SandboxParams,
          response: withErrors({ 202: SandboxView }),
        },
      },
      async (request, reply) => {
        const id = parseSandboxId(request.params.id);
        const sandbox = await sandboxes.destroy(principalOf(request).teamId, id);
        return reply.code(202).send(toSandboxView(sandbox));
      },
    );

    app.post(
      "/v1/sandboxes/:id/pause",
      {
        config: team,
        schema: {
          tags,
          summary: "Pause a running sandbox with its memory (202: pausing)",
          description:
            "The body is optional. If the host refuses, the sandbox returns to running and stateReason says why.",
          headers: TeamHeader,
          params: SandboxParams,
          body: PauseBody,
          response: withErrors({ 202: SandboxView }),
        },
      },
      async (request, reply) => {
        const id = parseSandboxId(request.params.id);
        const memory = request.body?.memory;
        const sandbox = await sandboxes.pause(principalOf(request).teamId, id, {
          ...(memory !== undefined && { memory }),
        });
        return reply.code(202).send(toSandboxView(sandbox));
      },
    );

    app.post(
      "/v1/sandboxes/:id/resume",
      {
        config: team,
        schema: {
          tags,
          summary: "Resume a paused sandbox (202: resuming)",
          description: "The body is optional. Tokens are in the answer when rotateTokens is set.",
          headers: TeamHeader,
          params: SandboxParams,
          body: ResumeBody,
          response: withErrors({ 202: SandboxWithTokensView }),
        },
      },
      async (request, reply) => {
        const id = parseSandboxId(request.params.id);
        const { timeoutMs, rotateTokens } = request.body ?? {};
        const { sandbox, access } = await sandboxes.resume(principalOf(request).teamId, id, {
          ...(timeoutMs !== undefined && { timeoutMs }),
          ...(rotateTokens !== undefined && { rotateTokens }),
        });
        const shown = rotateTokens ? access : { envdAccessToken: null, trafficAccessToken: null };
        return reply.code(202).send(toSandboxWithTokens(sandbox, shown));
      },
    );

    app.post(
      "/v1/sandboxes/:id/timeout",
      {
        config: team,
        schema: {
          tags,
          summary: "Set when a running sandbox ends, counted from now",
          headers: TeamHeader,
          params: SandboxParams,
          body: TimeoutBody,
          response: withErrors({ 200: SandboxView }),
        },
      },
      async (request) => {
        const id = parseSandboxId(request.params.id);
        const teamId = principalOf(request).teamId;
        return toSandboxView(await sandboxes.setTimeout(teamId, id, request.body.timeoutMs));
      },
    );

    app.get(
      "/v1/sandboxes/:id/metrics",
      {
        config: team,
        schema: {
          tags,
          summary: "CPU, memory, disk and network samples of a running sandbox, oldest first",
          headers: TeamHeader,
          params: SandboxParams,
          querystring: MetricsQuery,
          response: withErrors({ 200: MetricsView }),
        },
      },
      async (request) => {
        const id = parseSandboxId(request.params.id);
        const fresh = request.query.fresh;
        const samples = await sandboxes.metrics(principalOf(request).teamId, id, {
          ...(fresh !== undefined && { fresh }),
        });
        return { samples: samples.map((s) => ({ ...s, timestamp: s.timestamp.toISOString() })) };
      },
    );

    await app.register(execRoutes({ sandboxes }));
    await app.register(fileRoutes({ sandboxes, maxUploadBytes: deps.maxUploadBytes }));
    await app.register(terminalRoutes({ sandboxes }));
  };
}
