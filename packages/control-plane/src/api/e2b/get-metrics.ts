import { Type } from "typebox";
import { principalOf } from "../auth-hook.js";
import { withErrors } from "../schemas.js";
import type { E2bApp, E2bDeps } from "./deps.js";
import { getLiveSandbox } from "./sandbox-ref.js";
import { E2bSandboxParams, MetricsQuery, SandboxMetric } from "./schemas.js";
import { toSandboxMetric } from "./views.js";

/**
 * `GET /sandboxes/{id}/metrics?start&end` (Unix seconds): the host's samples, oldest first. A
 * paused sandbox has none to give (its host samples only running ones): an empty list, which
 * the SDK accepts.
 */
export function getMetricsRoute(app: E2bApp, deps: E2bDeps): void {
  app.get(
    "/sandboxes/:sandboxID/metrics",
    {
      config: { auth: "team" },
      schema: {
        tags: ["e2b"],
        summary: "A sandbox's resource metrics (E2B)",
        params: E2bSandboxParams,
        querystring: MetricsQuery,
        response: withErrors({ 200: Type.Array(SandboxMetric) }),
      },
    },
    async (request) => {
      const { teamId } = principalOf(request);
      const sandbox = await getLiveSandbox(deps, teamId, request.params.sandboxID);
      if (sandbox.state !== "running") return [];
      const { start, end } = request.query;
      // A sandbox younger than the host's sampling interval has no history yet: sample now.
      let samples = await deps.sandboxes.metrics(teamId, sandbox.id);
      if (samples.length === 0) {
        samples = await deps.sandboxes.metrics(teamId, sandbox.id, { fresh: true });
      }
      return samples
        .map(toSandboxMetric)
        .filter(
          (m) =>
            (start === undefined || m.timestampUnix >= start) &&
            (end === undefined || m.timestampUnix <= end),
        );
    },
  );
}
