import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { initEnvd, type RunningEnvd, startEnvd } from "./helpers/envd.js";

describe("envd POST /snapshot/prepare", () => {
  const token = "tok-snapshot-123";
  let envd: RunningEnvd;

  beforeAll(async () => {
    envd = await startEnvd();
    await initEnvd(envd, { accessToken: token });
  });
  afterAll(async () => {
    await envd.stop();
  });

  it("needs the access token", async () => {
    const res = await fetch(`${envd.url}/snapshot/prepare`, { method: "POST" });
    expect(res.status).toBe(401);
    const wrong = await fetch(`${envd.url}/snapshot/prepare`, {
      method: "POST",
      headers: { "x-access-token": "nope" },
    });
    expect(wrong.status).toBe(401);
  });

  it("answers 204 after a full GC in the bundled envd, logging the heap before and after", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${envd.url}/snapshot/prepare`, {
        method: "POST",
        headers: { "x-access-token": token },
      });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe("");
    }
    await vi.waitFor(() =>
      expect(envd.logs.filter((l) => l.msg === "prepared for snapshot")).toHaveLength(2),
    );
    for (const line of envd.logs.filter((l) => l.msg === "prepared for snapshot")) {
      expect(line.level).toBe(30);
      expect(line.heapUsedBeforeBytes).toBeGreaterThan(0);
      expect(line.heapUsedAfterBytes).toBeGreaterThan(0);
    }
    expect((await fetch(`${envd.url}/health`)).status).toBe(204);
  });
});
