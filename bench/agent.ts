// Host agent benchmark: create-to-ready, destroy, exec round trip and idle memory per sandbox,
// each against the raw primitive measured in the same run (a bare `runc run` of an equivalent
// prepared bundle, a direct call to envd).
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  buildOciSpec,
  createEnvdClient,
  createLayout,
  exec,
  mountRootfs,
  unmountRootfs,
  waitForEnvd,
} from "@wrenn/agent/internals";
import { startAgentInProcess, TEST_TEAM } from "@wrenn/agent/testing";
import type { SandboxId } from "@wrenn/shared";
import { pino } from "pino";
import { percentile, report, round, timeMs } from "./stats.js";

const SANDBOXES = 20;
const EXEC_RUNS = 100;
const WRENN_DIR = process.env.WRENN_DIR ?? "/var/lib/wrenn";
const BENCH_NETNS = "wrenn-bench";
const BENCH_HOST_IP = "10.12.255.1";
const BENCH_SANDBOX_IP = "10.12.255.2";
const log = pino({ level: "warn" });

async function memAvailableMiB(): Promise<number> {
  const text = await readFile("/proc/meminfo", "utf8");
  return Number(/MemAvailable:\s+(\d+)/.exec(text)?.[1]) / 1024;
}

async function smaps(pid: number): Promise<{ rss: number; pss: number; priv: number }> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, "utf8");
  const kb = (key: string) =>
    Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? 0) / 1024;
  return { rss: kb("Rss"), pss: kb("Pss"), priv: kb("Private_Clean") + kb("Private_Dirty") };
}

/** envd is the child of the sandbox's init (tini). */
async function envdPid(initPid: number): Promise<number> {
  const children = (await readFile(`/proc/${initPid}/task/${initPid}/children`, "utf8"))
    .trim()
    .split(/\s+/);
  const pid = Number(children[0]);
  if (!pid) throw new Error(`no envd under init ${initPid}`);
  return pid;
}

/** Slots and disks prepared ahead for the whole burst, as an operator sizes the pools. */
const WARM = SANDBOXES + 4;

async function benchAgent() {
  const env = await startAgentInProcess([
    "--warm-slots",
    String(WARM),
    "--warm-disks",
    String(WARM),
  ]);
  const { client } = env;
  try {
    process.stderr.write(`agent: preparing ${WARM} network slots and disks ahead\n`);
    const deadline = Date.now() + 180_000;
    for (
      let warm = env.agent.warm();
      warm.slots < WARM || warm.disks < WARM;
      warm = env.agent.warm()
    ) {
      if (Date.now() > deadline) throw new Error(`pools not ready: ${JSON.stringify(warm)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    process.stderr.write(`agent: warming up, then ${SANDBOXES} creates one after another\n`);
    for (let i = 0; i < 2; i++) {
      const s = await client.createSandbox({
        teamId: TEST_TEAM,
        templateId: "base",
        memoryMib: 256,
      });
      await client.destroySandbox({ sandboxId: s.sandbox!.sandboxId });
    }
    const memBefore = await memAvailableMiB();
    const createMs: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < SANDBOXES; i++) {
      let id = "";
      createMs.push(
        await timeMs(async () => {
          id = (
            await client.createSandbox({ teamId: TEST_TEAM, templateId: "base", memoryMib: 256 })
          ).sandbox!.sandboxId;
        }),
      );
      ids.push(id);
    }

    process.stderr.write(`exec: ${EXEC_RUNS} round trips through the agent and directly to envd\n`);
    const first = ids[0]!;
    const record = env.agent.manager.get(first as SandboxId);
    const direct = createEnvdClient({
      address: record.slot!.sandboxAddress,
      accessToken: record.envdAccessToken,
    });
    const viaAgent: number[] = [];
    const toEnvd: number[] = [];
    for (let i = 0; i < EXEC_RUNS; i++) {
      viaAgent.push(await timeMs(() => client.exec({ sandboxId: first, cmd: "/bin/true" })));
      toEnvd.push(
        await timeMs(async () => {
          for await (const _ of direct.process.start({
            process: { cmd: "/bin/true", args: [], envs: {} },
            stdin: false,
          })) {
            // drain the stream to its end
          }
        }),
      );
    }

    process.stderr.write("idle memory: sandboxes left idle for 3 s\n");
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const memAfter = await memAvailableMiB();
    const perSandbox = await Promise.all(
      ids.map(async (id) => {
        const r = env.agent.manager.get(id as SandboxId);
        const cgroup = Number(
          await readFile(`/sys/fs/cgroup/memory/wrenn/${id}/memory.usage_in_bytes`, "utf8"),
        );
        const envd = await smaps(await envdPid(r.pid!));
        return { cgroupMiB: cgroup / 1024 / 1024, ...envd };
      }),
    );
    const avg = (f: (x: (typeof perSandbox)[number]) => number) =>
      perSandbox.reduce((sum, x) => sum + f(x), 0) / perSandbox.length;
    const hostCostMiB = (memBefore - memAfter) / SANDBOXES;

    process.stderr.write("destroy: one after another\n");
    const destroyMs: number[] = [];
    for (const sandboxId of ids)
      destroyMs.push(await timeMs(() => client.destroySandbox({ sandboxId })));
    return {
      createMs,
      destroyMs,
      viaAgent,
      toEnvd,
      envdRss: avg((x) => x.rss),
      envdPss: avg((x) => x.pss),
      envdPrivate: avg((x) => x.priv),
      cgroupMiB: avg((x) => x.cgroupMiB),
      hostCostMiB,
      envdDir: env.agent.layout.root,
    };
  } finally {
    await env.agent.stop();
  }
}

/** The raw primitive: `runc run -d` of a prepared bundle with envd as init, until /health answers. */
async function benchBareRunc(envdDir: string) {
  const layout = createLayout(WRENN_DIR);
  const base = layout.templateRootfs("00000000-0000-0000-0000-000000000000" as never, "base");
  const work = join(WRENN_DIR, "bench", `bare-${process.pid}`);
  await exec(["ip", "netns", "add", BENCH_NETNS]);
  try {
    await exec([
      "ip",
      "link",
      "add",
      "wrnbench0",
      "type",
      "veth",
      "peer",
      "name",
      "eth0",
      "netns",
      BENCH_NETNS,
    ]);
    await exec(["ip", "addr", "add", `${BENCH_HOST_IP}/30`, "dev", "wrnbench0"]);
    await exec(["ip", "link", "set", "wrnbench0", "up"]);
    await exec(["ip", "-n", BENCH_NETNS, "addr", "add", `${BENCH_SANDBOX_IP}/30`, "dev", "eth0"]);
    await exec(["ip", "-n", BENCH_NETNS, "link", "set", "eth0", "up"]);
    await exec(["ip", "-n", BENCH_NETNS, "link", "set", "lo", "up"]);
    const runMs: number[] = [];
    const readyMs: number[] = [];
    for (let i = 0; i < SANDBOXES; i++) {
      const id = `wrenn-bench-${process.pid}-${i}`;
      const dir = join(work, String(i));
      const rootfs = join(dir, "rootfs");
      await mkdir(join(dir, "upper"), { recursive: true });
      await mkdir(join(dir, "work"), { recursive: true });
      await mkdir(rootfs, { recursive: true });
      await mountRootfs({
        lowerDirs: [base],
        upperDir: join(dir, "upper"),
        workDir: join(dir, "work"),
        target: rootfs,
      });
      const spec = buildOciSpec({
        id: id as SandboxId,
        bundleDir: dir,
        rootfsDir: rootfs,
        netnsPath: `/run/netns/${BENCH_NETNS}`,
        vcpus: 1,
        memoryMiB: 256,
        pidsLimit: 1024,
        args: [
          "/usr/bin/tini-static",
          "-g",
          "--",
          "/opt/wrenn/bin/node",
          "/opt/wrenn/envd/envd.cjs",
          "--no-port-forwarding",
        ],
        env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root"],
        readonlyBinds: [
          { source: process.execPath, destination: "/opt/wrenn/bin/node" },
          { source: envdDir, destination: "/opt/wrenn/envd" },
        ],
      });
      await writeFile(join(dir, "config.json"), JSON.stringify(spec));
      const start = performance.now();
      await exec(["runc", "--root", "/run/wrenn/bench-runc", "run", "-d", "--bundle", dir, id], {
        detachOutput: true,
      });
      runMs.push(performance.now() - start);
      await waitForEnvd(BENCH_SANDBOX_IP, AbortSignal.timeout(10_000));
      readyMs.push(performance.now() - start);
      await exec(["runc", "--root", "/run/wrenn/bench-runc", "delete", "--force", id]);
      await unmountRootfs(rootfs, { log });
    }
    return { runMs, readyMs };
  } finally {
    await exec(["ip", "netns", "del", BENCH_NETNS]).catch((error: unknown) =>
      log.warn({ err: error }, "netns cleanup"),
    );
    await rm(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const agent = await benchAgent();
  const envdDir = join(process.cwd(), "packages/envd/dist");
  process.stderr.write(
    `bare runc: ${SANDBOXES} runs of a prepared bundle (envd as init) until /health\n`,
  );
  const bare = await benchBareRunc(envdDir);
  const createP50 = percentile(agent.createMs, 50);
  const bareReadyP50 = percentile(bare.readyMs, 50);
  const idleCost = Math.max(agent.hostCostMiB, agent.cgroupMiB);
  report({
    create_p50_ms: round(createP50),
    create_p95_ms: round(percentile(agent.createMs, 95)),
    bare_runc_run_p50_ms: round(percentile(bare.runMs, 50)),
    bare_runc_to_envd_ready_p50_ms: round(bareReadyP50),
    bare_runc_to_envd_ready_p95_ms: round(percentile(bare.readyMs, 95)),
    create_vs_bare_ready_ratio: round(createP50 / bareReadyP50),
    destroy_p50_ms: round(percentile(agent.destroyMs, 50)),
    exec_via_agent_p50_ms: round(percentile(agent.viaAgent, 50)),
    exec_direct_envd_p50_ms: round(percentile(agent.toEnvd, 50)),
    exec_agent_overhead_p50_ms: round(
      percentile(agent.viaAgent, 50) - percentile(agent.toEnvd, 50),
    ),
    idle_envd_rss_mb: round(agent.envdRss, 1),
    idle_envd_pss_mb: round(agent.envdPss, 1),
    idle_envd_private_mb: round(agent.envdPrivate, 1),
    idle_cgroup_mb: round(agent.cgroupMiB, 1),
    idle_host_cost_per_sandbox_mb: round(agent.hostCostMiB, 1),
    idle_sandboxes_in_4gib: Math.floor(4096 / idleCost),
  });
}

await main();
