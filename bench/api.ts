// Control-plane benchmark, through the unmodified e2b SDK against a local server (Recipe A):
// create-to-first-command vs the host agent's own create, `commands.run('true')` through the
// sandbox proxy vs straight to envd, and 100 MB uploads and downloads through the proxy vs
// straight to envd. Every figure is set against its primitive measured in the same run; the last
// stdout line is one JSON object.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createEnvdClient } from "@wrenn/agent/internals";
import { type AgentClient, agentClient } from "@wrenn/agent/testing";
import { CONTROL_PLANE_NODE_FLAGS } from "@wrenn/control-plane/node-flags";
import { Sandbox } from "e2b";
import { cpuTimeMs, mibPerS, percentile, report, round, timeMs } from "./stats.js";

const CREATES = 20;
const WARMUP_CREATES = 2;
const EXEC_RUNS = 200;
const EXEC_WARMUP = 20;
const FILE_BYTES = 100 * 1024 * 1024;
const FILE_ROUNDS = 6;
const BENCH_TEAM = "be7c4be7-0000-4000-8000-000000000001";

/** Undo steps, run in reverse on the way out, whether the run succeeded or failed. */
const cleanups: (() => Promise<unknown>)[] = [];

/**
 * bench/api-server.ts as a child process: the SDK here and the server there each get their own
 * event loop, as they would in real use. A signup and an API key made through the API.
 */
async function startServer(): Promise<{
  url: string;
  agentPort: number;
  apiKey: string;
  pid: number;
}> {
  const child = spawn(
    process.execPath,
    [
      // As `npm start` runs it.
      ...CONTROL_PLANE_NODE_FLAGS,
      "--import",
      "tsx",
      "--conditions=source",
      fileURLToPath(new URL("api-server.ts", import.meta.url)),
    ],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const exited = new Promise((resolve) => child.once("exit", resolve));
  cleanups.push(async () => {
    child.stdin?.end();
    await exited;
  });
  const line = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the server exited early (code ${code})`)));
    createInterface({ input: child.stdout! }).once("line", resolve);
  });
  const { url, agent } = JSON.parse(line) as { url: string; agent?: string };
  if (!agent) throw new Error("the server has no embedded agent");
  const post = async (path: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`POST ${path} → ${res.status} ${await res.text()}`);
    return (await res.json()) as Record<string, unknown>;
  };
  const session = await post("/v1/auth/signup", {
    email: `bench-${randomBytes(4).toString("hex")}@example.com`,
    password: randomBytes(12).toString("hex"),
  });
  const key = await post(
    "/v1/keys",
    { name: "bench" },
    { authorization: `Bearer ${session.token}` },
  );
  return {
    url,
    agentPort: Number(agent.split(":").at(-1)),
    apiKey: String(key.key),
    pid: child.pid ?? 0,
  };
}

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream) {
    // to the end of the stream
  }
}

/** Sandbox.create → first commands.run result, and the agent's create → first envd exec. */
async function benchCreate(agent: AgentClient) {
  const sdkToFirstRun: number[] = [];
  const sdkCreate: number[] = [];
  const agentCreate: number[] = [];
  const agentToFirstRun: number[] = [];
  for (let i = 0; i < WARMUP_CREATES + CREATES; i++) {
    let sandbox: Sandbox | undefined;
    let createdAt = 0;
    const total = await timeMs(async () => {
      const start = performance.now();
      sandbox = await Sandbox.create();
      createdAt = performance.now() - start;
      await sandbox.commands.run("true");
    });
    await sandbox?.kill();

    let agentCreated = 0;
    let agentSandboxId = "";
    let agentTotal = 0;
    try {
      agentTotal = await timeMs(async () => {
        const start = performance.now();
        const created = await agent.createSandbox({
          teamId: BENCH_TEAM,
          templateId: "base",
          vcpus: 1,
          memoryMib: 512,
          diskMib: 20480,
          timeoutSeconds: 300,
          envdAccessToken: "bench-token",
        });
        agentCreated = performance.now() - start;
        const info = created.sandbox;
        if (!info) throw new Error("agent create returned no sandbox");
        agentSandboxId = info.sandboxId;
        // What commands.run("true") asks envd for: bash -l -c true.
        const envd = createEnvdClient({ address: info.hostAddress, accessToken: "bench-token" });
        const command = { cmd: "/bin/bash", args: ["-l", "-c", "true"], envs: {} };
        await drain(envd.process.start({ process: command }));
      });
    } finally {
      // Outside the timing, and also when the run fails half-way.
      if (agentSandboxId) await agent.destroySandbox({ sandboxId: agentSandboxId });
    }
    if (i < WARMUP_CREATES) continue;
    sdkToFirstRun.push(total);
    sdkCreate.push(createdAt);
    agentCreate.push(agentCreated);
    agentToFirstRun.push(agentTotal);
  }
  return { sdkToFirstRun, sdkCreate, agentCreate, agentToFirstRun };
}

/** The same sandbox through the proxy and straight at its envd (the slot address, port 49983). */
async function connectBoth(agent: AgentClient, url: string, apiKey: string) {
  const proxied = await Sandbox.create({ timeoutMs: 600_000 });
  cleanups.push(() => proxied.kill());
  const info = await agent.getSandbox({ sandboxId: proxied.sandboxId });
  const slot = info.sandbox?.hostAddress;
  if (!slot) throw new Error("the agent reported no slot address");
  // Same SDK, same token (connect hands it out again), only the envd base URL differs.
  const direct = await Sandbox.connect(proxied.sandboxId, {
    apiKey,
    apiUrl: url,
    sandboxUrl: `http://${slot}:49983`,
  });
  return { proxied, direct };
}

async function benchExec(proxied: Sandbox, direct: Sandbox) {
  const viaProxy: number[] = [];
  const toEnvd: number[] = [];
  for (let i = 0; i < EXEC_WARMUP + EXEC_RUNS; i++) {
    const p = await timeMs(() => proxied.commands.run("true"));
    const d = await timeMs(() => direct.commands.run("true"));
    if (i < EXEC_WARMUP) continue;
    viaProxy.push(p);
    toEnvd.push(d);
  }
  return { viaProxy, toEnvd };
}

/**
 * The server's CPU time is counted around each proxied transfer: the proxy's own cost per
 * 100 MB, which unlike the throughput ratio does not depend on how many cores the client,
 * the server and envd share.
 */
async function benchFiles(proxied: Sandbox, direct: Sandbox, serverPid: number) {
  const blob = new Blob([randomBytes(FILE_BYTES)]);
  const path = "/tmp/bench.bin";
  const up = { proxy: [] as number[], direct: [] as number[] };
  const down = { proxy: [] as number[], direct: [] as number[] };
  const serverCpuMs = { up: [] as number[], down: [] as number[] };
  const ways = [
    [proxied, up.proxy, down.proxy],
    [direct, up.direct, down.direct],
  ] as const;
  // Uploads first, then downloads of the last one, so each direction is timed in steady state.
  // Round 0 warms the page cache and TCP buffers and is not counted; the order alternates, so
  // neither way always runs first.
  for (const direction of ["up", "down"] as const) {
    for (let round = 0; round <= FILE_ROUNDS; round++) {
      for (const [sandbox, ups, downs] of round % 2 === 0 ? ways : [...ways].reverse()) {
        const cpuBefore = await cpuTimeMs(serverPid);
        if (direction === "up") {
          const ms = await timeMs(() => sandbox.files.write(path, blob));
          if (round > 0) ups.push(ms);
        } else {
          const ms = await timeMs(async () => {
            const stream = await sandbox.files.read(path, { format: "stream" });
            let bytes = 0;
            for await (const chunk of stream) bytes += chunk.length;
            if (bytes !== FILE_BYTES) throw new Error(`read ${bytes} bytes of ${FILE_BYTES}`);
          });
          if (round > 0) downs.push(ms);
        }
        const cpu = (await cpuTimeMs(serverPid)) - cpuBefore;
        if (round > 0 && sandbox === proxied) serverCpuMs[direction].push(cpu);
        // An upload's writeback to the sandbox's disk would otherwise run during the next transfer.
        if (direction === "up") await sandbox.commands.run("sync");
      }
    }
  }
  await proxied.commands.run(`rm -f ${path}`);
  return {
    upProxy: up.proxy,
    upDirect: up.direct,
    downProxy: down.proxy,
    downDirect: down.direct,
    serverCpuMs,
  };
}

async function main(): Promise<void> {
  const { url, agentPort, apiKey, pid } = await startServer();
  const agent = agentClient(agentPort);
  process.env.E2B_API_URL = url;
  process.env.E2B_SANDBOX_URL = url;
  process.env.E2B_API_KEY = apiKey;
  process.env.E2B_DOMAIN = `localhost:${new URL(url).port}`;

  // Creates last: the host refills its pools and removes disks after them, and that work
  // would otherwise run during the exec and throughput measurements.
  const { proxied, direct } = await connectBoth(agent, url, apiKey);
  process.stderr.write(`exec: ${EXEC_RUNS} commands.run('true') via the proxy and direct\n`);
  const exec = await benchExec(proxied, direct);
  process.stderr.write(`files: ${FILE_ROUNDS} rounds of 100 MB up and down, both ways\n`);
  const files = await benchFiles(proxied, direct, pid);
  process.stderr.write(`create: ${WARMUP_CREATES} warm-up + ${CREATES}, SDK then agent\n`);
  const create = await benchCreate(agent);

  const p50 = (xs: number[]) => round(percentile(xs, 50));
  const p95 = (xs: number[]) => round(percentile(xs, 95));
  const upProxy = mibPerS(FILE_BYTES, files.upProxy);
  const upDirect = mibPerS(FILE_BYTES, files.upDirect);
  const downProxy = mibPerS(FILE_BYTES, files.downProxy);
  const downDirect = mibPerS(FILE_BYTES, files.downDirect);
  report(
    {
      sdk_create_to_first_run_p50_ms: p50(create.sdkToFirstRun),
      sdk_create_to_first_run_p95_ms: p95(create.sdkToFirstRun),
      agent_create_to_first_run_p50_ms: p50(create.agentToFirstRun),
      agent_create_to_first_run_p95_ms: p95(create.agentToFirstRun),
      create_overhead_p50_ms: round(p50(create.sdkToFirstRun) - p50(create.agentToFirstRun)),
      sdk_create_p50_ms: p50(create.sdkCreate),
      agent_create_p50_ms: p50(create.agentCreate),
      create_call_overhead_p50_ms: round(p50(create.sdkCreate) - p50(create.agentCreate)),
      exec_proxy_p50_ms: p50(exec.viaProxy),
      exec_proxy_p95_ms: p95(exec.viaProxy),
      exec_direct_p50_ms: p50(exec.toEnvd),
      exec_direct_p95_ms: p95(exec.toEnvd),
      exec_proxy_overhead_p50_ms: round(p50(exec.viaProxy) - p50(exec.toEnvd)),
      upload_proxy_mib_s: upProxy,
      upload_direct_mib_s: upDirect,
      upload_proxy_ratio: round(upProxy / upDirect),
      download_proxy_mib_s: downProxy,
      download_direct_mib_s: downDirect,
      download_proxy_ratio: round(downProxy / downDirect),
      // FILE_BYTES is 100 MB: these are per 100 MB.
      upload_proxy_server_cpu_ms: p50(files.serverCpuMs.up),
      download_proxy_server_cpu_ms: p50(files.serverCpuMs.down),
    },
    [
      "create: SDK = Sandbox.create + first commands.run('true') through the API and proxy;",
      "        agent = CreateSandbox RPC on the embedded agent + first Process.Start on envd",
      "exec/files: one sandbox, the same SDK, E2B_SANDBOX_URL = the server vs the slot's envd",
      "proxy server cpu: the control plane's CPU time per proxied 100 MB (it shares the cores",
      "        with the SDK client and envd, so on few cores it bounds the throughput ratio)",
      "targets: create overhead < 30 ms, exec overhead < 3 ms, proxied throughput >= 70%",
    ],
  );
}

try {
  await main();
} finally {
  for (let undo = cleanups.pop(); undo; undo = cleanups.pop()) {
    try {
      await undo();
    } catch (error) {
      process.stderr.write(`cleanup step failed: ${String(error)}\n`);
    }
  }
}
