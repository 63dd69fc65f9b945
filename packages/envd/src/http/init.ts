import type { Logger } from "../log.js";
import type { EnvdState } from "../state.js";
import type { UserDirectory } from "../users.js";
import { HttpError, type HttpHandler, readJsonBody, sendJson, sendNoContent } from "./respond.js";

export interface InitDeps {
  state: EnvdState;
  users: UserDirectory;
  log: Logger;
  /** Restarts background work that /snapshot/prepare stopped (port forwarding). */
  resumeBackgroundWork(): void;
}

interface InitBody {
  envVars?: Record<string, string>;
  accessToken?: string;
  timestamp?: string;
  defaultUser?: string;
  defaultWorkdir?: string;
}

/** POST /init: the host agent configures envd on create and on every resume. */
export function initHandler(deps: InitDeps): HttpHandler {
  return async (req, res) => {
    const body = parseInitBody(await readJsonBody(req));
    if (body.defaultUser !== undefined && !deps.users.lookup(body.defaultUser)) {
      throw new HttpError(400, `defaultUser '${body.defaultUser}' does not exist in the sandbox`);
    }
    if (body.envVars !== undefined) deps.state.envVars = { ...body.envVars };
    if (body.accessToken !== undefined) deps.state.accessToken = body.accessToken || undefined;
    if (body.defaultUser !== undefined) deps.state.defaultUser = body.defaultUser;
    if (body.defaultWorkdir !== undefined)
      deps.state.defaultWorkdir = body.defaultWorkdir || undefined;
    deps.resumeBackgroundWork();
    deps.log.info(
      {
        envVarCount: Object.keys(deps.state.envVars).length,
        tokenSet: deps.state.accessToken !== undefined,
        defaultUser: deps.state.defaultUser,
        defaultWorkdir: deps.state.defaultWorkdir,
      },
      "initialized",
    );
    sendNoContent(res);
  };
}

/** GET /envs: the sandbox-wide environment processes start with. */
export function envsHandler(deps: { state: EnvdState }): HttpHandler {
  return (_req, res) => sendJson(res, 200, deps.state.envVars);
}

function parseInitBody(raw: unknown): InitBody {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new HttpError(400, "init body must be a JSON object");
  }
  const body = raw as Record<string, unknown>;
  const out: InitBody = {};
  if (body.envVars !== undefined && body.envVars !== null) {
    if (typeof body.envVars !== "object" || Array.isArray(body.envVars)) {
      throw new HttpError(400, "envVars must be an object of strings");
    }
    const envVars: Record<string, string> = {};
    for (const [key, value] of Object.entries(body.envVars)) {
      if (typeof value !== "string") throw new HttpError(400, `envVars.${key} must be a string`);
      envVars[key] = value;
    }
    out.envVars = envVars;
  }
  for (const key of ["accessToken", "timestamp", "defaultUser", "defaultWorkdir"] as const) {
    const value = body[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== "string") throw new HttpError(400, `${key} must be a string`);
    out[key] = value;
  }
  return out;
}
