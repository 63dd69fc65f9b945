// envd benchmark: exec latency through the unmodified e2b SDK vs a bare spawn of what envd
// runs, 100 MB file throughput vs direct fs copies, and envd's idle memory.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { copyFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectSdk, initEnvd, startApiStandIn, startEnvd } from "@wrenn/envd/testing";
import { percentile, report, round, timeMs } from "./stats.js";

const EXEC_RUNS = 200;
const WARMUP = 20;
const FILE_BYTES = 100 * 1024 * 1024;

function bareSpawn(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/bash", ["-l", "-c", "true"], { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", () => resolve());
  });
}

function readStatus(pid: number): Promise<Record<string, number>> {
  return readFile(`/proc/${pid}/smaps_rollup`, "utf8").then((text) => {
    const out: Record<string, number> = {};
    for (const line of text.split("\n")) {
      const m = /^(\w+):\s+(\d+) kB/.exec(line);
      if (m) out[m[1]!] = Number(m[2]) / 1024;
    }
    return out;
  });
}

async function main(): Promise<void> {
  const token = randomBytes(16).toString("hex");
  const envd = await startEnvd();
  const api = await startApiStandIn();
  const work = await mkdtemp(join(tmpdir(), "wrenn-bench-"));
  try {
    await initEnvd(envd, { accessToken: token, defaultUser: "root" });
    const sandbox = await connectSdk(envd, api, token);

    // Idle memory first, before any exec or transfer grows the heap.
    await new Promise((r) => setTimeout(r, 1500));
    const idle = await readStatus(envd.process.pid!);

    process.stderr.write(`exec: ${EXEC_RUNS} runs each, after ${WARMUP} warm-up runs\n`);
    for (let i = 0; i < WARMUP; i++) {
      await sandbox.commands.run("true");
      await bareSpawn();
    }
    const sdk: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < EXEC_RUNS; i++) {
      sdk.push(await timeMs(() => sandbox.commands.run("true")));
      bare.push(await timeMs(bareSpawn));
    }

    process.stderr.write("files: 100 MB write and read, 3 runs each\n");
    const data = randomBytes(FILE_BYTES);
    const source = join(work, "source.bin");
    await writeFile(source, data);
    const digest = createHash("sha256").update(data).digest("hex");
    const writes: number[] = [];
    const reads: number[] = [];
    const copies: number[] = [];
    for (let i = 0; i < 3; i++) {
      const target = join(work, `via-envd-${i}.bin`);
      writes.push(await timeMs(() => sandbox.files.write(target, data)));
      let back: Uint8Array = new Uint8Array();
      reads.push(
        await timeMs(async () => {
          back = await sandbox.files.read(target, { format: "bytes" });
        }),
      );
      if (createHash("sha256").update(back).digest("hex") !== digest) {
        throw new Error("file read back through envd differs from what was written");
      }
      copies.push(await timeMs(() => copyFile(source, join(work, `direct-${i}.bin`))));
      await rm(join(work, `direct-${i}.bin`));
      if ((await stat(target)).size !== FILE_BYTES) throw new Error("short write");
    }
    const mbps = (ms: number) => round(FILE_BYTES / 1024 / 1024 / (ms / 1000), 1);
    const writeMbps = mbps(percentile(writes, 50));
    const readMbps = mbps(percentile(reads, 50));
    const directMbps = mbps(percentile(copies, 50));
    const after = await readStatus(envd.process.pid!);

    report({
      exec_sdk_p50_ms: round(percentile(sdk, 50)),
      exec_sdk_p95_ms: round(percentile(sdk, 95)),
      exec_bare_spawn_p50_ms: round(percentile(bare, 50)),
      exec_bare_spawn_p95_ms: round(percentile(bare, 95)),
      exec_overhead_p50_ms: round(percentile(sdk, 50) - percentile(bare, 50)),
      write_100mb_mbps: writeMbps,
      read_100mb_mbps: readMbps,
      direct_copy_100mb_mbps: directMbps,
      write_vs_direct_ratio: round(writeMbps / directMbps),
      read_vs_direct_ratio: round(readMbps / directMbps),
      idle_rss_mb: round(idle.Rss ?? 0, 1),
      idle_private_mb: round((idle.Private_Dirty ?? 0) + (idle.Private_Clean ?? 0), 1),
      idle_shared_file_mb: round(idle.Shared_Clean ?? 0, 1),
      rss_after_transfers_mb: round(after.Rss ?? 0, 1),
    });
  } finally {
    await envd.stop();
    await api.close();
    await rm(work, { recursive: true, force: true });
  }
}

await main();
