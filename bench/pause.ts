// Pause/resume benchmark: pause and resume latency of sandboxes holding 64 MB and 512 MB of
// process memory, each against the raw primitive measured in the same run, cycle for cycle
// (`runc pause` + `runc checkpoint`, and `runc restore`, of an equivalent bundle: the same
// init, envd, payload, limits, CRIU and CRIU options); snapshot-template spawn latency; and
// what a paused sandbox holds (its cgroup, its processes). The last stdout line is one JSON
// object.
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  buildOciSpec,
  createLayout,
  exec,
  mountRootfs,
  prepareCriuCommand,
  unmountRootfs,
} from "@wrenn/agent/internals";
import { type AgentClient, startAgentInProcess, TEST_TEAM } from "@wrenn/agent/testing";
import type { SandboxId } from "@wrenn/shared";
import { pino } from "pino";
import { percentile, report, round, timeMs } from "./stats.js";

const SIZES_MIB = [64, 512] as const;
type Size = (typeof SIZES_MIB)[number];
/** Measured cycles; one more runs first to warm the page cache and the slot pool. */
const CYCLES: Record<Size, number> = { 64: 9, 512: 5 };
const SPAWNS = 5;
const WRENN_DIR = process.env.WRENN_DIR ?? "/var/lib/wrenn";
const PLATFORM_TEAM = "00000000-0000-0000-0000-000000000000";
const BENCH_RUNC_ROOT = "/run/wrenn/bench-runc";
const BENCH_NETNS = `wrenn-bench-pause-${process.pid}`;
const log = pino({ level: "warn" });
const layout = createLayout(WRENN_DIR);

/** Holds `mib` of random (incompressible, resident) bytes, then says so in `ready`. */
const payload = (mib: number, ready: string) =>
  [
    "import os, time",
    `buf = bytearray(${mib} * 1024 * 1024)`,
    // Filled in 1 MiB steps: bytearray(os.urandom(n)) would need twice the memory at once.
    "for i in range(0, len(buf), 1 << 20): buf[i:i + (1 << 20)] = os.urandom(1 << 20)",
    `open("${ready}", "w").close()`,
    "while True: time.sleep(0.05)",
    "",
  ].join("\n");

interface Figures {
  pauseMs: number[];
  resumeMs: number[];
  /** One checkpoint image's size: both sides must dump the same memory. */
  imageBytes: number;
}

async function sizeBytes(path: string): Promise<number> {
  return Number((await exec(["du", "-sb", path])).stdout.split("\t")[0]);
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * What a paused sandbox holds: its cgroup's memory, and its live processes and their RSS.
 * Its init may linger a moment as a zombie (no memory) until the host's init reaps it.
 */
async function pausedFootprint(id: string) {
  const cgroup = `/sys/fs/cgroup/memory/wrenn/${id}`;
  const cgroupExists = existsSync(cgroup);
  const cgroupBytes = cgroupExists
    ? Number(await readFile(join(cgroup, "memory.usage_in_bytes"), "utf8"))
    : 0;
  let processes = 0;
  let rssBytes = 0;
  for (const pid of (await readdir("/proc")).filter((name) => /^\d+$/.test(name))) {
    try {
      if (!(await readFile(`/proc/${pid}/cgroup`, "utf8")).includes(`/wrenn/${id}`)) continue;
      const status = await readFile(`/proc/${pid}/status`, "utf8");
      if (/^State:\s+Z/m.test(status)) continue;
      processes++;
      rssBytes += Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
    } catch {
      // The process ended while we looked.
    }
  }
  return { cgroupExists, cgroupBytes, processes, rssBytes };
}

/** A sandbox through the agent's RPC, holding `mib` in a process run as `user`. */
async function agentSandbox(client: AgentClient, mib: number) {
  const created = await client.createSandbox({ teamId: TEST_TEAM, memoryMib: mib + 512 });
  const sandboxId = created.sandbox!.sandboxId;
  await client.writeFile({
    sandboxId,
    path: "/home/user/payload.py",
    content: Buffer.from(payload(mib, "/tmp/ready")),
  });
  await client.exec({
    sandboxId,
    cmd: "/bin/bash",
    args: [
      "-c",
      "nohup python3 /home/user/payload.py >/dev/null 2>&1 & while [ ! -f /tmp/ready ]; do sleep 0.02; done",
    ],
  });
  return {
    sandboxId,
    pause: () => client.pauseSandbox({ sandboxId }),
    resume: () => client.resumeSandbox({ sandboxId }),
    imageBytes: () => sizeBytes(layout.checkpointDir(sandboxId as SandboxId)),
  };
}

/**
 * The raw primitive: the same init (tini), envd on the same node, the same payload as uid
 * 1000, the same limits, CRIU command and CRIU options (org.criu.config), driven by runc.
 */
async function bareContainer(mib: number, options: { envdDir: string; criu: string }) {
  const id = `wrenn-bench-pause-${process.pid}-${mib}`;
  const dir = join(WRENN_DIR, "bench", `pause-${process.pid}-${mib}`);
  const rootfs = join(dir, "rootfs");
  const runc = ["runc", "--root", BENCH_RUNC_ROOT];
  const criuArgs = (image: string) => [
    "--image-path",
    image,
    "--work-path",
    join(dir, "criu"),
    "--file-locks",
  ];
  let cycle = 0;
  let image = "";
  await mkdir(join(dir, "upper"), { recursive: true });
  await mkdir(join(dir, "work"), { recursive: true });
  await mkdir(join(dir, "criu"), { recursive: true });
  await mkdir(rootfs, { recursive: true });
  await mountRootfs({
    lowerDirs: [layout.templateRootfs(PLATFORM_TEAM as never, "base")],
    upperDir: join(dir, "upper"),
    workDir: join(dir, "work"),
    target: rootfs,
  });
  const cleanup = async () => {
    await exec([...runc, "delete", "--force", id], { okCodes: [1] }).catch((error: unknown) =>
      log.warn({ err: error }, "bare container cleanup"),
    );
    await unmountRootfs(rootfs, { log });
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await writeFile(join(rootfs, "tmp", "payload.py"), payload(mib, "/tmp/ready"));
    const spec = buildOciSpec(
      {
        id: id as SandboxId,
        bundleDir: dir,
        rootfsDir: rootfs,
        netnsPath: `/run/netns/${BENCH_NETNS}`,
        vcpus: 1,
        memoryMiB: mib + 512,
        pidsLimit: 1024,
        // envd and the payload both under the init: a `runc exec`'d process would be the host
        // init's child, outside the tree CRIU dumps.
        args: [
          "/usr/bin/tini-static",
          "-g",
          "--",
          "/bin/sh",
          "-c",
          "/opt/wrenn/bin/node /opt/wrenn/envd/envd.cjs --no-port-forwarding & exec setpriv --reuid=1000 --regid=1000 --init-groups python3 /tmp/payload.py",
        ],
        env: [
          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "HOME=/root",
          "LANG=C.UTF-8",
        ],
        readonlyBinds: [
          { source: process.execPath, destination: "/opt/wrenn/bin/node" },
          { source: options.envdDir, destination: "/opt/wrenn/envd" },
        ],
      },
      { criuConfigPath: layout.criuConfig },
    );
    await writeFile(join(dir, "config.json"), JSON.stringify(spec));
    await exec([...runc, "run", "-d", "--bundle", dir, id], { detachOutput: true });
    await until(() => existsSync(join(rootfs, "tmp", "ready")), "the bare payload");
  } catch (error) {
    await cleanup();
    throw error;
  }
  return {
    async pause() {
      if (image) await rm(image, { recursive: true, force: true });
      image = join(dir, `image-${cycle++}`);
      await mkdir(image);
      await exec([...runc, "pause", id]);
      await exec([...runc, "--criu", options.criu, "checkpoint", ...criuArgs(image), id]);
    },
    resume: () =>
      exec(
        [...runc, "--criu", options.criu, "restore", "-d", ...criuArgs(image), "--bundle", dir, id],
        {
          detachOutput: true,
        },
      ),
    imageBytes: () => sizeBytes(image),
    cleanup,
  };
}

async function main(): Promise<void> {
  const envdDir = join(process.cwd(), "packages/envd/dist");
  const criu = await prepareCriuCommand({
    criuWrapper: layout.criuWrapper,
    dir: layout.criuAgentDir,
    log,
  });
  const env = await startAgentInProcess();
  const { client } = env;
  await exec(["ip", "netns", "add", BENCH_NETNS]);
  const agent = new Map<Size, Figures>();
  const bare = new Map<Size, Figures>();
  let footprint: Awaited<ReturnType<typeof pausedFootprint>> | undefined;
  const spawnMs: number[] = [];
  let threeAtOnceMs = 0;
  try {
    await exec(["ip", "-n", BENCH_NETNS, "link", "set", "lo", "up"]);
    for (const mib of SIZES_MIB) {
      process.stderr.write(`${CYCLES[mib]} cycles at ${mib} MB, the agent and bare runc in turn\n`);
      const sandbox = await agentSandbox(client, mib);
      const container = await bareContainer(mib, { envdDir, criu });
      const a: Figures = { pauseMs: [], resumeMs: [], imageBytes: 0 };
      const b: Figures = { pauseMs: [], resumeMs: [], imageBytes: 0 };
      try {
        for (let cycle = 0; cycle <= CYCLES[mib]; cycle++) {
          const pauseMs = await timeMs(sandbox.pause);
          if (cycle === 1) {
            a.imageBytes = await sandbox.imageBytes();
            if (mib === 64) footprint = await pausedFootprint(sandbox.sandboxId);
          }
          const resumeMs = await timeMs(sandbox.resume);
          const barePauseMs = await timeMs(container.pause);
          if (cycle === 1) b.imageBytes = await container.imageBytes();
          const bareResumeMs = await timeMs(container.resume);
          if (cycle === 0) continue;
          a.pauseMs.push(pauseMs);
          a.resumeMs.push(resumeMs);
          b.pauseMs.push(barePauseMs);
          b.resumeMs.push(bareResumeMs);
        }
      } finally {
        await container.cleanup();
      }
      agent.set(mib, a);
      bare.set(mib, b);
      if (mib === 64) {
        process.stderr.write(
          `snapshot template of the 64 MB sandbox: ${SPAWNS} spawns, then 3 at once\n`,
        );
        const templateId = `bench-pause-${process.pid}`;
        await client.createSnapshot({
          sandboxId: sandbox.sandboxId,
          teamId: TEST_TEAM,
          templateId,
        });
        const spawned: string[] = [];
        for (let i = 0; i <= SPAWNS; i++) {
          let id = "";
          const ms = await timeMs(async () => {
            id = (await client.createSandbox({ teamId: TEST_TEAM, templateId })).sandbox!.sandboxId;
          });
          spawned.push(id);
          if (i > 0) spawnMs.push(ms);
        }
        threeAtOnceMs = await timeMs(async () => {
          const three = await Promise.all(
            [1, 2, 3].map(() => client.createSandbox({ teamId: TEST_TEAM, templateId })),
          );
          spawned.push(...three.map((s) => s.sandbox!.sandboxId));
        });
        for (const id of spawned) await client.destroySandbox({ sandboxId: id });
        await client.deleteSnapshot({ teamId: TEST_TEAM, templateId });
      } else {
        await client.destroySandbox({ sandboxId: sandbox.sandboxId });
      }
    }
  } finally {
    await exec(["ip", "netns", "del", BENCH_NETNS]).catch((error: unknown) =>
      log.warn({ err: error }, "netns cleanup"),
    );
    await env.agent.stop();
  }

  const figures: Record<string, number | string> = {};
  const misses: string[] = [];
  for (const mib of SIZES_MIB) {
    const a = agent.get(mib)!;
    const b = bare.get(mib)!;
    const ratio = {
      pause: percentile(a.pauseMs, 50) / percentile(b.pauseMs, 50),
      resume: percentile(a.resumeMs, 50) / percentile(b.resumeMs, 50),
    };
    figures[`pause_${mib}mb_p50_ms`] = round(percentile(a.pauseMs, 50));
    figures[`bare_pause_checkpoint_${mib}mb_p50_ms`] = round(percentile(b.pauseMs, 50));
    figures[`pause_vs_bare_${mib}mb_ratio`] = round(ratio.pause);
    figures[`resume_${mib}mb_p50_ms`] = round(percentile(a.resumeMs, 50));
    figures[`bare_restore_${mib}mb_p50_ms`] = round(percentile(b.resumeMs, 50));
    figures[`resume_vs_bare_${mib}mb_ratio`] = round(ratio.resume);
    figures[`image_${mib}mb_mib`] = round(a.imageBytes / 1024 / 1024, 1);
    figures[`bare_image_${mib}mb_mib`] = round(b.imageBytes / 1024 / 1024, 1);
    if (ratio.pause > 1.5) misses.push(`pause at ${mib} MB is ${round(ratio.pause)}× bare`);
    if (ratio.resume > 1.5) misses.push(`resume at ${mib} MB is ${round(ratio.resume)}× bare`);
  }
  figures.snapshot_spawn_64mb_p50_ms = round(percentile(spawnMs, 50));
  figures.snapshot_spawn_64mb_3_at_once_ms = round(threeAtOnceMs);
  const held = footprint!;
  figures.paused_cgroup_memory_bytes = held.cgroupBytes;
  figures.paused_processes_count = held.processes;
  figures.paused_processes_rss_bytes = held.rssBytes;
  if ((figures.resume_64mb_p50_ms as number) >= 300)
    misses.push("64 MB resume is not under 300 ms");
  if (held.cgroupExists || held.processes > 0)
    misses.push("a paused sandbox still holds a cgroup or processes");
  figures.targets_met = misses.length === 0 ? "yes" : "no";
  report(figures, [
    "targets: pause and resume ≤ 1.5× bare runc of an equivalent bundle (same CRIU, same options, cycles interleaved); 64 MB resume < 300 ms; a paused sandbox has no cgroup and no process",
    `paused sandbox: memory cgroup ${held.cgroupExists ? "exists" : "does not exist"}, ${held.processes} live processes`,
    ...misses.map((miss) => `missed: ${miss}`),
  ]);
}

await main();
