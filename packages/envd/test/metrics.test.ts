import { statfs } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initEnvd, type RunningEnvd, startEnvd } from "./helpers/envd.js";

const FIELDS = [
  "ts",
  "cpu_count",
  "cpu_used_pct",
  "mem_total",
  "mem_used",
  "mem_cache",
  "mem_total_mib",
  "mem_used_mib",
  "disk_used",
  "disk_total",
];

describe("envd GET /metrics", () => {
  const token = "tok-metrics-123";
  let envd: RunningEnvd;

  beforeAll(async () => {
    envd = await startEnvd();
    await initEnvd(envd, { accessToken: token });
  });
  afterAll(async () => {
    await envd.stop();
  });

  async function metrics(): Promise<Record<string, number>> {
    const res = await fetch(`${envd.url}/metrics`, { headers: { "x-access-token": token } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    return (await res.json()) as Record<string, number>;
  }

  it("needs the access token", async () => {
    const res = await fetch(`${envd.url}/metrics`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 401 });
  });

  it("reports E2B's fields with plausible values", async () => {
    const m = await metrics();
    expect(Object.keys(m).sort()).toEqual([...FIELDS].sort());
    for (const field of FIELDS) expect(Number.isFinite(m[field]), field).toBe(true);

    expect(Math.abs(m.ts! - Date.now() / 1000)).toBeLessThan(60);
    expect(Number.isInteger(m.cpu_count)).toBe(true);
    expect(m.cpu_count).toBeGreaterThanOrEqual(1);
    expect(m.cpu_used_pct).toBeGreaterThanOrEqual(0);
    expect(m.cpu_used_pct).toBeLessThanOrEqual(100);

    expect(m.mem_total).toBeGreaterThan(0);
    expect(m.mem_used).toBeGreaterThan(0);
    expect(m.mem_used).toBeLessThanOrEqual(m.mem_total!);
    expect(m.mem_cache).toBeGreaterThanOrEqual(0);
    expect(m.mem_total_mib).toBe(Math.floor(m.mem_total! / 1024 / 1024));
    expect(m.mem_used_mib).toBe(Math.floor(m.mem_used! / 1024 / 1024));

    const root = await statfs("/");
    expect(m.disk_total).toBe(root.blocks * root.bsize);
    expect(m.disk_used).toBeGreaterThan(0);
    expect(m.disk_used).toBeLessThanOrEqual(m.disk_total!);
  });

  it("answers again from the previous CPU sample", async () => {
    await metrics();
    const again = await metrics();
    expect(again.cpu_used_pct).toBeGreaterThanOrEqual(0);
    expect(again.cpu_used_pct).toBeLessThanOrEqual(100);
  });
});
