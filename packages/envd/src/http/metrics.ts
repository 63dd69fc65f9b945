import type { EnvdConfig } from "../config.js";
import { createMetricsCollector, type Metrics } from "../metrics/collector.js";
import { type HttpHandler, sendJson } from "./respond.js";

/** E2B's /metrics body: snake_case, bytes, ts in unix seconds. */
export interface MetricsBody {
  ts: number;
  cpu_count: number;
  cpu_used_pct: number;
  mem_total: number;
  mem_used: number;
  mem_cache: number;
  mem_total_mib: number;
  mem_used_mib: number;
  disk_used: number;
  disk_total: number;
}

const MIB = 1024 * 1024;

export function toMetricsBody(m: Metrics): MetricsBody {
  return {
    ts: Math.floor(m.atMs / 1000),
    cpu_count: m.cpuCount,
    cpu_used_pct: m.cpuUsedPct,
    mem_total: m.memTotalBytes,
    mem_used: m.memUsedBytes,
    mem_cache: m.memCacheBytes,
    mem_total_mib: Math.floor(m.memTotalBytes / MIB),
    mem_used_mib: Math.floor(m.memUsedBytes / MIB),
    disk_used: m.diskUsedBytes,
    disk_total: m.diskTotalBytes,
  };
}

/** GET /metrics: what the host agent polls for the sandbox's resource usage. */
export function metricsHandler(deps: {
  config: Pick<EnvdConfig, "diskPath">;
  collector?: ReturnType<typeof createMetricsCollector>;
}): HttpHandler {
  const collector = deps.collector ?? createMetricsCollector({ diskPath: deps.config.diskPath });
  return async (_req, res) => {
    // The first reading waits between two CPU samples; a client that leaves stops it.
    const controller = new AbortController();
    const abort = () => controller.abort();
    res.once("close", abort);
    try {
      const metrics = await collector.collect(controller.signal);
      sendJson(res, 200, toMetricsBody(metrics));
    } catch (error) {
      // Nobody is left to answer; anything else is a real failure for the error handler.
      if (controller.signal.aborted) return;
      throw error;
    } finally {
      res.off("close", abort);
    }
  };
}
