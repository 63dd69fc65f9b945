import { InvalidArgumentError, isSandboxId, type SandboxId } from "@wrenn/shared";
import { Type } from "typebox";
import { principalOf } from "../auth-hook.js";
import { withErrors } from "../schemas.js";
import type { E2bApp, E2bDeps } from "./deps.js";
import { decodeMetadataFilter } from "./metadata-filter.js";
import { ListedSandbox, ListSandboxesQuery } from "./schemas.js";
import { type E2bState, statesFor, templateNames, toListedSandbox } from "./views.js";

const DEFAULT_LIMIT = 100;

/** `state=running,paused` or repeated `state=…`; absent means both, as in infra. */
function parseStates(raw: string | readonly string[] | undefined): E2bState[] {
  if (raw === undefined) return ["running", "paused"];
  const values = (typeof raw === "string" ? [raw] : raw).flatMap((v) => v.split(","));
  return values.map((value) => {
    if (value === "running" || value === "paused") return value;
    throw new InvalidArgumentError(`state must be running or paused, got ${JSON.stringify(value)}`);
  });
}

/** The keyset cursor (the last sandbox of a page), opaque to clients. */
function encodeCursor(after: { createdAt: Date; id: SandboxId }): string {
  return Buffer.from(`${after.createdAt.toISOString()}|${after.id}`).toString("base64url");
}

function decodeCursor(token: string): { createdAt: Date; id: SandboxId } {
  const [iso = "", id = ""] = Buffer.from(token, "base64url").toString("utf8").split("|");
  const createdAt = new Date(iso);
  if (Number.isNaN(createdAt.getTime()) || !isSandboxId(id)) {
    throw new InvalidArgumentError("nextToken is not one this server gave out");
  }
  return { createdAt, id };
}

/**
 * `GET /v2/sandboxes`: the team's running and paused sandboxes, newest first, a page at a time
 * (`X-Next-Token` while more exist). Filters the service does not have are refused by name.
 */
export function listSandboxesRoute(app: E2bApp, deps: E2bDeps): void {
  app.get(
    "/v2/sandboxes",
    {
      config: { auth: "team" },
      schema: {
        tags: ["e2b"],
        summary: "List sandboxes (E2B)",
        querystring: ListSandboxesQuery,
        response: withErrors({ 200: Type.Array(ListedSandbox) }),
      },
    },
    async (request, reply) => {
      const { teamId } = principalOf(request);
      const query = request.query;
      const unsupported = [
        query.order === "asc" && "order=asc",
        query.startedAfter !== undefined && "startedAfter",
        query.template !== undefined && "template",
      ].filter((name) => name !== false);
      if (unsupported.length > 0) {
        throw new InvalidArgumentError(`not supported by this server: ${unsupported.join(", ")}`);
      }
      const limit = query.limit ?? DEFAULT_LIMIT;
      const metadata = decodeMetadataFilter(query.metadata);
      // One more than asked for tells whether another page exists.
      const rows = await deps.sandboxes.list(teamId, {
        states: statesFor(parseStates(query.state)),
        ...(metadata && { metadata }),
        limit: limit + 1,
        ...(query.nextToken && { after: decodeCursor(query.nextToken) }),
      });
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      if (rows.length > limit && last) {
        reply.header("x-next-token", encodeCursor({ createdAt: last.createdAt, id: last.id }));
      }
      const names = await templateNames(deps, teamId);
      return page.map((sandbox) => toListedSandbox(sandbox, names));
    },
  );
}
