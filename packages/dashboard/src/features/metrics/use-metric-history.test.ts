import { describe, expect, it } from "vitest";
import type { MetricSample } from "../../api/types.js";
import { mergeSamples } from "./use-metric-history.js";

function sample(second: number, rxBytes: number): MetricSample {
  return {
    timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
    cpuCount: 1,
    cpuUsedPct: second,
    memoryUsedBytes: 1,
    memoryTotalBytes: 2,
    memoryCacheBytes: 0,
    diskUsedBytes: 3,
    diskTotalBytes: 4,
    netRxBytes: rxBytes,
    netTxBytes: 0,
  };
}

describe("mergeSamples", () => {
  it("adds new samples in order, once, with rates between them", () => {
    const first = mergeSamples([], [sample(5, 1000), sample(0, 0)]);
    expect(first.map((p) => p.cpuPct)).toEqual([0, 5]);
    expect(first[1]?.rxBytesPerSec).toBe(200);
    expect(first[0]?.rxBytesPerSec).toBeNull();
    const again = mergeSamples(first, [sample(0, 0), sample(5, 1000)]);
    expect(again).toBe(first);
    const more = mergeSamples(first, [sample(5, 1000), sample(10, 1000)]);
    expect(more.map((p) => p.cpuPct)).toEqual([0, 5, 10]);
    expect(more[2]?.rxBytesPerSec).toBe(0);
  });

  it("keeps a 15-minute window", () => {
    const old = mergeSamples([], [sample(0, 0)]);
    const late = {
      ...sample(0, 0),
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 20)).toISOString(),
    };
    expect(mergeSamples(old, [late])).toHaveLength(1);
  });
});
