import { readFile } from "node:fs/promises";
import type { SandboxId } from "@wrenn/shared";
import type { Logger } from "pino";
import type { Layout } from "../layout.js";
import type { Disks, Slots } from "../manager/deps.js";
import type { SandboxTable } from "../manager/sandbox-table.js";
import { cpuPercent, parseCounter, parseMemoryStat } from "./cgroup-readers.js";

export interface MetricSample {
  timestamp: Date;
  cpuCount: number;
  cpuUsedPct: number;
  memoryUsedBytes: number;
  memoryTotalBytes: number;
  memoryCacheBytes: number;
  diskUsedBytes: number;
  diskTotalBytes: number;
  netRxBytes: number;
  netTxBytes: number;
}

const HISTORY = 120;

/** Per-sandbox CPU, memory, disk and network from cgroups and the slot, sampled periodically. */
export function createMetricsSampler(deps: {
  layout: Layout;
  table: SandboxTable;
  disks: Pick<Disks, "usage">;
  slots: Pick<Slots, "readCounters">;
  log: Logger;
  now: () => Date;
}) {
  const history = new Map<SandboxId, MetricSample[]>();
  const lastCpu = new Map<SandboxId, { usageNs: number; atMs: number }>();
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> | undefined;

  async function sample(id: SandboxId): Promise<MetricSample> {
    const record = deps.table.get(id);
    const read = (controller: "cpuacct" | "memory", file: string) =>
      readFile(`${deps.layout.cgroupDir(controller, id)}/${file}`, "utf8");
    const [usage, memUsed, memLimit, memStat, disk, net] = await Promise.all([
      read("cpuacct", "cpuacct.usage").then(parseCounter),
      read("memory", "memory.usage_in_bytes").then(parseCounter),
      read("memory", "memory.limit_in_bytes").then(parseCounter),
      read("memory", "memory.stat").then(parseMemoryStat),
      deps.disks.usage(id),
      record.slot
        ? deps.slots.readCounters(record.slot)
        : Promise.resolve({ rxBytes: 0, txBytes: 0 }),
    ]);
    const now = deps.now();
    const previous = lastCpu.get(id);
    lastCpu.set(id, { usageNs: usage, atMs: now.getTime() });
    const value: MetricSample = {
      timestamp: now,
      cpuCount: record.vcpus,
      cpuUsedPct: previous
        ? cpuPercent({
            previousUsageNs: previous.usageNs,
            usageNs: usage,
            elapsedMs: now.getTime() - previous.atMs,
            vcpus: record.vcpus,
          })
        : 0,
      memoryUsedBytes: memUsed,
      memoryTotalBytes: Math.min(memLimit, record.memoryMiB * 1024 * 1024),
      memoryCacheBytes: memStat.total_cache ?? memStat.cache ?? 0,
      diskUsedBytes: disk.usedBytes,
      diskTotalBytes: disk.totalBytes,
      netRxBytes: net.rxBytes,
      netTxBytes: net.txBytes,
    };
    const list = history.get(id) ?? [];
    list.push(value);
    if (list.length > HISTORY) list.shift();
    history.set(id, list);
    return value;
  }

  async function sampleAll(): Promise<void> {
    for (const record of deps.table.list()) {
      if (record.status !== "running") continue;
      await sample(record.id).catch((error: unknown) =>
        deps.log.debug({ err: error, sandboxId: record.id }, "metrics sample failed"),
      );
    }
  }

  return {
    sample,
    history(id: SandboxId): MetricSample[] {
      return [...(history.get(id) ?? [])];
    },
    forget(id: SandboxId): void {
      history.delete(id);
      lastCpu.delete(id);
    },
    start(intervalMs: number): void {
      if (timer) return;
      timer = setInterval(() => {
        inFlight ??= sampleAll().finally(() => {
          inFlight = undefined;
        });
      }, intervalMs);
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      timer = undefined;
      await inFlight;
    },
  };
}

export type MetricsSampler = ReturnType<typeof createMetricsSampler>;
