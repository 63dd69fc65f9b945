import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { type Client, createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { HostAgentService } from "@wrenn/proto/hostagent/v1";
import { pino } from "pino";
import { type Agent, createAgent, loadAgentConfig } from "../../src/index.js";
import { testWrennDir } from "./wrenn-dir.js";

export const TEST_TEAM = "7e577e57-0000-4000-8000-000000000001";
export const OTHER_TEAM = "7e577e57-0000-4000-8000-000000000002";

export type AgentClient = Client<typeof HostAgentService>;

export function agentClient(port: number): AgentClient {
  return createClient(
    HostAgentService,
    createConnectTransport({ baseUrl: `http://127.0.0.1:${port}`, httpVersion: "1.1" }),
  );
}

function testConfig(extra: string[] = []) {
  const config = loadAgentConfig(
    [
      "--listen",
      "127.0.0.1:0",
      "--data-dir",
      testWrennDir(),
      "--warm-slots",
      "2",
      "--warm-disks",
      "2",
      ...extra,
    ],
    {},
  );
  if (config === "help") throw new Error("unexpected help");
  return config;
}

/** The real agent, in this process: real runc sandboxes, slots and disks; `args` add options. */
export async function startAgentInProcess(args: string[] = []): Promise<{
  agent: Agent;
  client: AgentClient;
  port: number;
  url: string;
}> {
  const agent = createAgent(
    testConfig(args),
    pino({ level: process.env.WRENN_TEST_LOG ?? "warn" }),
  );
  const { port } = await agent.start();
  return { agent, client: agentClient(port), port, url: `http://127.0.0.1:${port}` };
}

const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

/** The real agent as its own process (for crash and restart tests), run from source by tsx. */
export async function startAgentProcess(
  port: number,
): Promise<{ child: ChildProcess; client: AgentClient }> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--conditions=source",
      MAIN,
      "--listen",
      `127.0.0.1:${port}`,
      "--data-dir",
      testWrennDir(),
      "--warm-slots",
      "1",
      "--warm-disks",
      "1",
    ],
    { stdio: ["ignore", "pipe", "inherit"], cwd: fileURLToPath(new URL("../..", import.meta.url)) },
  );
  await new Promise<void>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    child.once("exit", (code) => reject(new Error(`agent exited early with code ${code}`)));
    lines.on("line", (line) => {
      if (line.includes('"agent listening"')) resolve();
    });
  });
  return { child, client: agentClient(port) };
}

export function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("utf8");
}

/** `bash -lc <script>` in the sandbox through the agent's Exec relay. */
export async function sh(client: AgentClient, sandboxId: string, script: string, user = "") {
  const result = await client.exec({ sandboxId, cmd: "/bin/bash", args: ["-lc", script], user });
  return { exitCode: result.exitCode, stdout: text(result.stdout), stderr: text(result.stderr) };
}
