import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { MetricSample } from "../../api/types.js";
import { useApi } from "../../app-context.js";

export interface MetricPoint {
  timeMs: number;
  cpuPct: number;
  memoryUsedBytes: number;
  diskUsedBytes: number;
  /** Bytes per second since the previous point; null for the first. */
  rxBytesPerSec: number | null;
  txBytesPerSec: number | null;
  /** The counters themselves, to derive the next point's rates. */
  rxBytes: number;
  txBytes: number;
}

const WINDOW_MS = 15 * 60_000;

function toPoint(sample: MetricSample, previous: MetricPoint | undefined): MetricPoint {
  const timeMs = Date.parse(sample.timestamp);
  const seconds = previous ? (timeMs - previous.timeMs) / 1000 : 0;
  const rate = (now: number, before: number | undefined) =>
    before === undefined || seconds <= 0 ? null : Math.max(0, (now - before) / seconds);
  return {
    timeMs,
    cpuPct: sample.cpuUsedPct,
    memoryUsedBytes: sample.memoryUsedBytes,
    diskUsedBytes: sample.diskUsedBytes,
    rxBytesPerSec: rate(sample.netRxBytes, previous?.rxBytes),
    txBytesPerSec: rate(sample.netTxBytes, previous?.txBytes),
    rxBytes: sample.netRxBytes,
    txBytes: sample.netTxBytes,
  };
}

/**
 * Adds the samples not seen yet (by timestamp) in time order and drops those older than the
 * window. Pure: returns `points` itself when nothing is new.
 */
export function mergeSamples(points: MetricPoint[], samples: MetricSample[]): MetricPoint[] {
  const seen = new Set(points.map((p) => p.timeMs));
  const fresh = samples
    .filter((s) => !seen.has(Date.parse(s.timestamp)))
    .sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
  if (fresh.length === 0) return points;
  const merged = [...points];
  for (const sample of fresh) {
    const timeMs = Date.parse(sample.timestamp);
    const previous = merged.filter((p) => p.timeMs < timeMs).at(-1);
    merged.push(toPoint(sample, previous));
    merged.sort((a, b) => a.timeMs - b.timeMs);
  }
  const newest = merged.at(-1)?.timeMs ?? 0;
  return merged.filter((p) => p.timeMs >= newest - WINDOW_MS);
}

export interface MetricHistory {
  points: MetricPoint[];
  latest: MetricSample | undefined;
  error: unknown;
}

/** Polls the metrics route every 2 s and keeps a rolling 15-minute window in the browser. */
export function useMetricHistory(sandboxId: string, enabled: boolean): MetricHistory {
  const api = useApi();
  const [points, setPoints] = useState<MetricPoint[]>([]);
  const query = useQuery({
    queryKey: ["metrics", sandboxId],
    queryFn: () => api.get<{ samples: MetricSample[] }>(`/v1/sandboxes/${sandboxId}/metrics`),
    enabled,
    refetchInterval: enabled ? 2000 : false,
  });
  useEffect(() => {
    const samples = query.data?.samples;
    if (samples?.length) setPoints((previous) => mergeSamples(previous, samples));
  }, [query.data]);
  return { points, latest: query.data?.samples.at(-1), error: query.error };
}
