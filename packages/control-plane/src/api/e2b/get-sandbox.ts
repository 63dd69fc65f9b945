import { principalOf } from "../auth-hook.js";
import { withErrors } from "../schemas.js";
import type { E2bApp, E2bDeps } from "./deps.js";
import { getLiveSandbox } from "./sandbox-ref.js";
import { E2bSandboxParams, SandboxDetail } from "./schemas.js";
import { templateNames, toSandboxDetail } from "./views.js";

/**
 * `GET /sandboxes/{id}`: the SDK's getInfo, and for SDKs up to 2.5 the source of connect's
 * credentials, hence the envd access token in the answer.
 */
export function getSandboxRoute(app: E2bApp, deps: E2bDeps): void {
  app.get(
    "/sandboxes/:sandboxID",
    {
      config: { auth: "team" },
      schema: {
        tags: ["e2b"],
        summary: "Get a sandbox (E2B)",
        params: E2bSandboxParams,
        response: withErrors({ 200: SandboxDetail }),
      },
    },
    async (request) => {
      const { teamId } = principalOf(request);
      const sandbox = await getLiveSandbox(deps, teamId, request.params.sandboxID);
      const [access, names] = await Promise.all([
        deps.sandboxes.access(teamId, sandbox.id),
        templateNames(deps, teamId),
      ]);
      return toSandboxDetail(sandbox, access, { names, domain: deps.domain });
    },
  );
}
