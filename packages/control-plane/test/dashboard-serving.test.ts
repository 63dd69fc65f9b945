import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startControlPlane } from "./helpers/control-plane.js";

/** The dashboard's files at `/`, next to an API whose paths they must never shadow. */
describe("dashboard serving", () => {
  let dir: string;
  let h: Harness;
  let bare: Harness;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "wrenn-dashboard-"));
    await mkdir(join(dir, "assets"));
    await writeFile(join(dir, "index.html"), "<!doctype html><title>dashboard build</title>");
    await writeFile(join(dir, "assets", "app-1a2b3c.js"), "console.log('app')");
    await writeFile(join(dir, "favicon.svg"), "<svg/>");
    h = await startControlPlane({ env: { WRENN_DASHBOARD_DIR: dir } });
    bare = await startControlPlane({ env: { WRENN_DASHBOARD_DIR: join(dir, "missing") } });
  });
  afterAll(async () => {
    await h?.close();
    await bare?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves index.html uncached and hashed assets cached for good", async () => {
    const index = await h.inject({ method: "GET", url: "/" });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain("dashboard build");
    expect(index.headers["content-type"]).toMatch(/^text\/html/);
    expect(index.headers["cache-control"]).toBe("no-cache");
    const asset = await h.inject({ method: "GET", url: "/assets/app-1a2b3c.js" });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers["cache-control"]).toContain("immutable");
    expect((await h.inject({ method: "GET", url: "/favicon.svg" })).statusCode).toBe(200);
  });

  it("leaves every other path to the API", async () => {
    expect((await h.inject({ method: "GET", url: "/assets/nope.js" })).statusCode).toBe(404);
    expect((await h.inject({ method: "GET", url: "/assets/../../etc/passwd" })).statusCode).toBe(
      404,
    );
    // An E2B route, not a dashboard page.
    const list = await h.inject({ method: "GET", url: "/v2/sandboxes" });
    expect(list.statusCode).toBe(401);
    expect(list.json()).toMatchObject({ code: 401 });
    expect((await h.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
  });

  it("says how to build the dashboard when there is none", async () => {
    const page = await bare.inject({ method: "GET", url: "/" });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("npm run build");
  });
});
