import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Sandbox } from "e2b";
import { ENVD_NODE_FLAGS } from "../../src/node-flags.js";

export const ENVD_BUNDLE = fileURLToPath(new URL("../../dist/envd.cjs", import.meta.url));

export interface RunningEnvd {
  readonly url: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** Every JSON log line envd printed so far. */
  readonly logs: Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface StartEnvdOptions {
  /** Runs envd under this command, e.g. `["ip", "netns", "exec", name]`. */
  readonly commandPrefix?: readonly string[];
  /** Replaces the default flags (`--port 0 --host 127.0.0.1 --no-port-forwarding`). */
  readonly baseArgs?: readonly string[];
  /** The address `url` points at (127.0.0.1 unless envd is elsewhere, e.g. in a netns). */
  readonly urlHost?: string;
}

const DEFAULT_ENVD_ARGS = ["--port", "0", "--host", "127.0.0.1", "--no-port-forwarding"];

/**
 * Starts the real envd bundle as a child process on a free loopback port, with the Node flags
 * the agent gives it in a sandbox.
 */
export async function startEnvd(
  args: string[] = [],
  options: StartEnvdOptions = {},
): Promise<RunningEnvd> {
  const argv = [
    process.execPath,
    ...ENVD_NODE_FLAGS,
    ENVD_BUNDLE,
    ...(options.baseArgs ?? DEFAULT_ENVD_ARGS),
    ...args,
  ];
  const [command, ...rest] = [...(options.commandPrefix ?? []), ...argv];
  const child = spawn(command!, rest, { stdio: ["ignore", "pipe", "inherit"] });
  const logs: Record<string, unknown>[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    child.once("exit", (code) => reject(new Error(`envd exited early with code ${code}`)));
    lines.on("line", (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === "listening") resolve(Number(entry.port));
      } catch {
        logs.push({ raw: line });
      }
    });
  });
  return {
    url: `http://${options.urlHost ?? "127.0.0.1"}:${port}`,
    port,
    process: child,
    logs,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

export interface InitOptions {
  accessToken?: string;
  defaultUser?: string;
  defaultWorkdir?: string;
  envVars?: Record<string, string>;
  /** The token currently set, needed to change the configuration afterwards. */
  currentToken?: string;
}

/** POST /init, as the host agent does on create and resume. */
export async function initEnvd(envd: RunningEnvd, options: InitOptions): Promise<void> {
  const { currentToken, ...body } = options;
  const res = await fetch(`${envd.url}/init`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(currentToken ? { "x-access-token": currentToken } : {}),
    },
    body: JSON.stringify(body),
  });
  if (res.status !== 204) throw new Error(`/init answered ${res.status}: ${await res.text()}`);
}

/**
 * The control plane does not exist in this package, so the SDK gets its create response
 * from this minimal stand-in (the only fake here): it names the sandbox and hands out the
 * access token that the test set on the real envd through /init.
 */
export async function startApiStandIn(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let raw = "";
    req.on("data", (chunk) => {
      raw += chunk;
    });
    req.on("end", () => {
      const token = req.headers["x-test-envd-token"];
      if (req.method === "POST" && req.url === "/v2/sandboxes") {
        const body = JSON.parse(raw || "{}") as { templateID?: string };
        res.writeHead(201, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            sandboxID: `isb${randomBytes(6).toString("hex")}`,
            clientID: "wrenn",
            templateID: body.templateID ?? "base",
            envdVersion: "0.6.13",
            envdAccessToken: typeof token === "string" && token !== "" ? token : undefined,
            domain: null,
            trafficAccessToken: null,
          }),
        );
        return;
      }
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ code: 404, message: "not found" }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/**
 * An unmodified e2b `Sandbox` whose envd traffic goes to the given envd. `accessToken` is what
 * the SDK will send as X-Access-Token (and sign URLs with); it should match what /init set.
 */
export async function connectSdk(
  envd: RunningEnvd,
  api: { url: string },
  accessToken?: string,
): Promise<Sandbox> {
  return Sandbox.create("base", {
    apiKey: "e2b_0123456789abcdef",
    apiUrl: api.url,
    sandboxUrl: envd.url,
    apiHeaders: { "x-test-envd-token": accessToken ?? "" },
  } as Parameters<typeof Sandbox.create>[1]);
}

/**
 * The unprivileged account the tests switch to. CI creates it (`useradd -m user`); envd runs as
 * root on the host here, exactly as it runs as root inside a sandbox.
 */
export function testUser(): { name: string; uid: number; gid: number; home: string } {
  let line: string;
  try {
    line = execFileSync("getent", ["passwd", "user"], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(
      "the envd tests need a local account named 'user': run `useradd -m user` as root",
    );
  }
  const [name, , uid, gid, , home] = line.split(":");
  return { name: name!, uid: Number(uid), gid: Number(gid), home: home! };
}
