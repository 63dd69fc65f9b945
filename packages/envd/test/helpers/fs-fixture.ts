import { randomBytes } from "node:crypto";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Sandbox } from "e2b";
import {
  connectSdk,
  initEnvd,
  type RunningEnvd,
  startApiStandIn,
  startEnvd,
  testUser,
} from "./envd.js";

export interface FsFixture {
  readonly envd: RunningEnvd;
  readonly sandbox: Sandbox;
  readonly token: string;
  readonly user: ReturnType<typeof testUser>;
  stop(): Promise<void>;
}

/** A real envd with a token and default user `user`, and an unmodified SDK pointed at it. */
export async function startFsSandbox(): Promise<FsFixture> {
  const user = testUser();
  const token = `tok-${randomBytes(8).toString("hex")}`;
  const envd = await startEnvd();
  const api = await startApiStandIn();
  const stop = async () => {
    await envd.stop();
    await api.close();
  };
  try {
    await initEnvd(envd, { accessToken: token, defaultUser: "user" });
    const sandbox = await connectSdk(envd, api, token);
    return { envd, sandbox, token, user, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A fresh directory under /tmp owned by the test user; remove it with the returned function. */
export async function userTempDir(
  user: { uid: number; gid: number },
  prefix = "wrenn-fs-",
): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join("/tmp", prefix));
  await chown(dir, user.uid, user.gid);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** envd's answer to /health, which must stay 204 whatever a test threw at it. */
export async function healthStatus(envd: RunningEnvd): Promise<number> {
  return (await fetch(`${envd.url}/health`)).status;
}
