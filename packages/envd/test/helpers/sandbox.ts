import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { Sandbox } from "e2b";
import {
  connectSdk,
  type InitOptions,
  initEnvd,
  type RunningEnvd,
  startApiStandIn,
  startEnvd,
} from "./envd.js";

export interface SandboxFixture {
  readonly envd: RunningEnvd;
  readonly sandbox: Sandbox;
  readonly token: string;
  stop(): Promise<void>;
}

/**
 * A real envd, /init-ed like the host agent does it (token, default user `user`), and an
 * unmodified e2b Sandbox pointed at it.
 */
export async function startSandbox(
  init: Omit<InitOptions, "accessToken"> = {},
): Promise<SandboxFixture> {
  const token = `tok-${randomBytes(8).toString("hex")}`;
  const envd = await startEnvd();
  const api = await startApiStandIn();
  try {
    await initEnvd(envd, { defaultUser: "user", ...init, accessToken: token });
    const sandbox = await connectSdk(envd, api, token);
    return {
      envd,
      sandbox,
      token,
      async stop() {
        await envd.stop();
        await api.close();
      },
    };
  } catch (error) {
    await envd.stop();
    await api.close();
    throw error;
  }
}

/**
 * True while a process with this pid runs on the host (envd runs on the same host here). A
 * zombie counts as dead: orphans wait for whatever reaps them on this host.
 */
export function isAlive(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}
