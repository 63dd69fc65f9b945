import { isIP } from "node:net";
import { InvalidArgumentError } from "@wrenn/shared";
import type { Sandbox } from "../../db/queries/sandboxes.js";
import type { CreateSandboxInput } from "../../services/sandboxes.js";
import { principalOf } from "../auth-hook.js";
import { withErrors } from "../schemas.js";
import type { E2bApp, E2bDeps } from "./deps.js";
import { awaitState } from "./sandbox-ref.js";
import { E2bSandbox, type NetworkConfig, NewSandbox, NewSandboxV2 } from "./schemas.js";
import { toE2bSandbox } from "./views.js";

type CreateBody = NewSandbox | NewSandboxV2;

/** E2B fields Wrenn has no implementation for: refused by name, never silently dropped. */
function refuseUnsupported(body: CreateBody, network: NetworkConfig): void {
  const unsupported: string[] = [];
  const nonEmpty = (value: object | undefined | null) =>
    value !== undefined && value !== null && Object.keys(value).length > 0;
  if (nonEmpty(body.iam)) unsupported.push("iam");
  if (nonEmpty(body.mcp)) unsupported.push("mcp");
  if (body.volumeMounts?.length) unsupported.push("volumeMounts");
  if (body.autoPauseMemory === false) unsupported.push("autoPauseMemory: false");
  if (nonEmpty(network.egressProxy)) unsupported.push("network.egressProxy");
  if (nonEmpty(network.rules)) unsupported.push("network.rules");
  if (network.maskRequestHost !== undefined) unsupported.push("network.maskRequestHost");
  if (network.httpsPorts?.length) unsupported.push("network.httpsPorts");
  if (unsupported.length > 0) {
    throw new InvalidArgumentError(`not supported by this server: ${unsupported.join(", ")}`);
  }
}

/** E2B takes bare addresses where Wrenn takes CIDR blocks: `8.8.8.8` is `8.8.8.8/32`. */
function asCidrs(entries: readonly string[] | undefined): string[] | undefined {
  return entries?.map((entry) => {
    const family = isIP(entry);
    return family === 0 ? entry : `${entry}/${family === 4 ? 32 : 128}`;
  });
}

/** E2B's create body in the service's terms; the service applies every limit and default. */
export function toCreateInput(body: CreateBody, secure: boolean): CreateSandboxInput {
  const network = body.network ?? {};
  refuseUnsupported(body, network);
  const allowOut = asCidrs(network.allowOut);
  const denyOut = asCidrs(network.denyOut);
  return {
    template: body.templateID,
    ...(body.timeout !== undefined && { timeoutMs: body.timeout * 1000 }),
    ...(body.metadata && { metadata: body.metadata }),
    ...(body.envVars && { envVars: body.envVars }),
    ...(body.autoPause !== undefined && { autoPause: body.autoPause }),
    ...(body.autoResume !== undefined && { autoResume: body.autoResume.enabled }),
    ...(body.allow_internet_access !== undefined && {
      allowInternetAccess: body.allow_internet_access,
    }),
    ...(allowOut && { allowOut }),
    ...(denyOut && { denyOut }),
    ...(network.allowPublicTraffic !== undefined && {
      allowPublicTraffic: network.allowPublicTraffic,
    }),
    secure,
  };
}

/**
 * `POST /v2/sandboxes` (e2b 2.51+, always secured) and `POST /sandboxes` (≤ 2.50, `secure`
 * defaulting to true as the SDK sends it): 201 once the sandbox runs, so the SDK's first envd
 * call finds it ready.
 */
export function createSandboxRoutes(app: E2bApp, deps: E2bDeps): void {
  const variants = [
    { url: "/v2/sandboxes", body: NewSandboxV2, secure: () => true },
    { url: "/sandboxes", body: NewSandbox, secure: (b: NewSandbox) => b.secure ?? true },
  ] as const;
  for (const variant of variants) {
    app.post(
      variant.url,
      {
        config: { auth: "team" },
        schema: {
          tags: ["e2b"],
          summary: "Create a sandbox (E2B); answers once it runs",
          body: variant.body,
          response: withErrors({ 201: E2bSandbox }),
        },
      },
      async (request, reply) => {
        const actor = principalOf(request);
        const body: NewSandbox = request.body;
        const input = toCreateInput(body, variant.secure(body));
        const { sandbox, access } = await deps.sandboxes.create(actor, input);
        let running: Sandbox;
        try {
          running = await awaitState(deps, reply, {
            teamId: actor.teamId,
            id: sandbox.id,
            states: ["running"],
            doing: "starting the sandbox",
          });
        } catch (error) {
          // The caller never learns this id (failed, timed out, or it left): nobody could use
          // or kill the sandbox, so it goes now rather than at its timeout.
          await deps.sandboxes.destroy(actor.teamId, sandbox.id).catch((cleanup: unknown) => {
            request.log.warn({ err: cleanup, sandboxId: sandbox.id }, "undoing a failed create");
          });
          throw error;
        }
        // Named by its name (not a `tpl-…` id): that name is the alias.
        const alias = body.templateID.startsWith("tpl-") ? undefined : body.templateID;
        return reply
          .code(201)
          .send(toE2bSandbox(running, access, { ...(alias && { alias }), domain: deps.domain }));
      },
    );
  }
}
