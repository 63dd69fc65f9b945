import { newSandboxId, type SandboxId, type SandboxState, type TeamId } from "@wrenn/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SandboxView } from "../src/api/sandboxes/schemas.js";
import { createKey } from "./helpers/api.js";
import { expectError, type Harness, startControlPlane } from "./helpers/control-plane.js";

/*
 * The native sandbox routes without a host agent: validation, isolation, state rules and list
 * filters, on rows written straight into the database. The lifecycle with real sandboxes is in
 * sandboxes-native.test.ts.
 */

let h: Harness;
let key: string;
let otherKey: string;
let teamId: TeamId;

beforeAll(async () => {
  h = await startControlPlane({ env: { WRENN_MAX_UPLOAD_MIB: "1" } });
  const owner = await h.signup("sbx-owner");
  const other = await h.signup("sbx-other");
  teamId = owner.teamId as TeamId;
  key = (await createKey(h, owner, "k")).key;
  otherKey = (await createKey(h, other, "k")).key;
});
afterAll(async () => {
  await h?.close();
});

/** A sandbox row in `state`, as if a host had run it. */
async function row(state: SandboxState, metadata: Record<string, string> = {}) {
  const q = h.cp.db.queries;
  const base = await q.templates.getVisibleByName(teamId, "base");
  if (!base) throw new Error("no base template");
  const inserted = await q.sandboxes.insert({
    id: newSandboxId(),
    teamId,
    templateId: base.id,
    createdBy: null,
    vcpus: 1,
    memoryMb: 512,
    timeoutMs: 60_000,
    metadata,
    envVarsSealed: null,
    autoPause: false,
    autoResume: false,
    allowInternetAccess: true,
    envdAccessTokenHash: null,
    trafficAccessTokenHash: null,
  });
  // Walk the allowed transitions to the wanted state.
  const path: Record<SandboxState, SandboxState[]> = {
    pending: [],
    starting: ["starting"],
    running: ["starting", "running"],
    pausing: ["starting", "running", "pausing"],
    paused: ["starting", "running", "pausing", "paused"],
    resuming: ["starting", "running", "pausing", "paused", "resuming"],
    stopping: ["stopping"],
    stopped: ["stopping", "stopped"],
    error: ["error"],
    missing: ["starting", "running", "missing"],
  };
  let from: SandboxState = "pending";
  for (const to of path[state]) {
    await q.sandboxes.transition(inserted.id, { from, to });
    from = to;
  }
  return inserted.id;
}

const as = (apiKey: string) => ({ "x-api-key": apiKey });

/** Every route that names a sandbox, with a valid body where it needs one. */
function routesOf(id: string) {
  return [
    { method: "GET", url: `/v1/sandboxes/${id}` },
    { method: "DELETE", url: `/v1/sandboxes/${id}` },
    { method: "POST", url: `/v1/sandboxes/${id}/pause`, payload: {} },
    { method: "POST", url: `/v1/sandboxes/${id}/resume`, payload: {} },
    { method: "POST", url: `/v1/sandboxes/${id}/timeout`, payload: { timeoutMs: 60_000 } },
    { method: "GET", url: `/v1/sandboxes/${id}/metrics` },
    { method: "POST", url: `/v1/sandboxes/${id}/exec`, payload: { cmd: "true" } },
    { method: "POST", url: `/v1/sandboxes/${id}/exec/stream`, payload: { cmd: "true" } },
    { method: "GET", url: `/v1/sandboxes/${id}/files?path=/etc/hostname` },
    { method: "GET", url: `/v1/sandboxes/${id}/files/list?path=/` },
    { method: "POST", url: `/v1/sandboxes/${id}/files/mkdir`, payload: { path: "/tmp/x" } },
    { method: "DELETE", url: `/v1/sandboxes/${id}/files?path=/tmp/x` },
    {
      method: "PUT",
      url: `/v1/sandboxes/${id}/files?path=/tmp/x`,
      headers: { "content-type": "application/octet-stream" },
      payload: "data",
    },
    { method: "POST", url: "/v1/snapshots", payload: { sandboxId: id, name: "snap" } },
  ] as const;
}

describe("isolation", () => {
  it("gives another team's key a 404 on every sandbox route", async () => {
    const id = await row("running");
    for (const route of routesOf(id)) {
      const res = await h.inject({
        ...route,
        headers: { ...as(otherKey), ...("headers" in route ? route.headers : {}) },
      });
      expect(expectError(res, 404).message, `${route.method} ${route.url}`).toContain(id);
    }
    const list = await h.inject({ method: "GET", url: "/v1/sandboxes", headers: as(otherKey) });
    expect(list.json<{ sandboxes: SandboxView[] }>().sandboxes.map((s) => s.id)).not.toContain(id);
  });

  it("answers 404 for a well-formed id nobody has, and 400 for a malformed one", async () => {
    const unknown = newSandboxId();
    for (const route of routesOf(unknown)) {
      const res = await h.inject({
        ...route,
        headers: { ...as(key), ...("headers" in route ? route.headers : {}) },
      });
      expectError(res, 404);
    }
    expectError(
      await h.inject({ method: "GET", url: "/v1/sandboxes/i123", headers: as(key) }),
      400,
    );
    const tooBig = `cl-${"z".repeat(25)}`;
    expectError(
      await h.inject({ method: "GET", url: `/v1/sandboxes/${tooBig}`, headers: as(key) }),
      400,
    );
  });

  it("needs credentials", async () => {
    expectError(await h.inject({ method: "GET", url: "/v1/sandboxes" }), 401);
  });
});

describe("bad input", () => {
  const create = (payload: unknown, headers: Record<string, string> = {}) =>
    h.inject({
      method: "POST",
      url: "/v1/sandboxes",
      headers: { ...as(key), "content-type": "application/json", ...headers },
      payload: typeof payload === "string" ? payload : JSON.stringify(payload),
    });

  it("malformed JSON, wrong types and unknown fields → 400 naming the problem", async () => {
    expectError(await create('{"templateId": '), 400);
    expect(expectError(await create({ templateId: 7 }), 400).message).toMatch(/templateId/);
    expect(expectError(await create({ vcpus: "2" }), 400).message).toMatch(/vcpus/);
    expect(expectError(await create({ metadata: { a: 1 } }), 400).message).toMatch(/metadata/);
    expect(expectError(await create({ template: "base" }), 400).message).toMatch(/additional/);
  });

  it("a negative or zero timeout, or sizes out of range → 400", async () => {
    expect(expectError(await create({ timeoutMs: -1 }), 400).message).toMatch(/timeoutMs/);
    expectError(await create({ timeoutMs: 0 }), 400);
    expectError(await create({ memoryMb: 1 }), 400);
    expectError(await create({ vcpus: 0 }), 400);
    const id = await row("running");
    const res = await h.inject({
      method: "POST",
      url: `/v1/sandboxes/${id}/timeout`,
      headers: as(key),
      payload: { timeoutMs: -5 },
    });
    expect(expectError(res, 400).message).toMatch(/timeoutMs/);
  });

  it("an unknown template → 404 naming it", async () => {
    const res = await create({ templateId: "no-such-template" });
    expect(expectError(res, 404).message).toBe("template no-such-template not found");
    const byId = await create({ templateId: "tpl-00000000-0000-4000-8000-000000000009" });
    expectError(byId, 404);
  });

  it("bad CIDRs and list filters → 400", async () => {
    expect(expectError(await create({ allowOut: ["10.0.0.0/33"] }), 400).message).toMatch(
      /allowOut/,
    );
    for (const query of ["status=runnin", "metadata=novalue", "cursor=xyz", "limit=0"]) {
      const res = await h.inject({
        method: "GET",
        url: `/v1/sandboxes?${query}`,
        headers: as(key),
      });
      expectError(res, 400);
    }
  });

  it("a JSON body over 1 MiB → 413, an upload over the limit → 413 before any host call", async () => {
    const big = { metadata: { a: "x".repeat(1024 * 1024) } };
    expectError(await create(big), 413);
    const id = await row("running");
    const res = await h.inject({
      method: "PUT",
      url: `/v1/sandboxes/${id}/files?path=/tmp/big`,
      headers: { ...as(key), "content-type": "application/octet-stream" },
      payload: Buffer.alloc(2 * 1024 * 1024),
    });
    expectError(res, 413);
  });

  it("a valid create with no host agent online → 503 saying so, and no sandbox left", async () => {
    const res = await create({ metadata: { probe: "no-host" } });
    expect(expectError(res, 503).message).toMatch(/no host agent/);
    const list = await h.inject({
      method: "GET",
      url: "/v1/sandboxes?metadata=probe=no-host",
      headers: as(key),
    });
    expect(list.json<{ sandboxes: unknown[] }>().sandboxes).toEqual([]);
  });
});

describe("state rules", () => {
  it("refuses to pause what is not running and resume what is not paused (409)", async () => {
    const paused = await row("paused");
    const running = await row("running");
    const post = (id: SandboxId, action: string) =>
      h.inject({ method: "POST", url: `/v1/sandboxes/${id}/${action}`, headers: as(key) });
    expect(expectError(await post(paused, "pause"), 409).message).toMatch(/paused/);
    expect(expectError(await post(running, "resume"), 409).message).toMatch(/running/);
    const exec = await h.inject({
      method: "POST",
      url: `/v1/sandboxes/${paused}/exec`,
      headers: as(key),
      payload: { cmd: "true" },
    });
    expect(expectError(exec, 409).error_code).toBe("invalid_state");
  });

  it("deleting a stopped sandbox returns it as it is", async () => {
    const id = await row("stopped");
    const res = await h.inject({ method: "DELETE", url: `/v1/sandboxes/${id}`, headers: as(key) });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json<SandboxView>().state).toBe("stopped");
  });
});

describe("list", () => {
  it("filters by status (repeated or comma-separated) and metadata, newest first, paged", async () => {
    const tag = `t${Date.now()}`;
    const a = await row("running", { tag, role: "a" });
    const b = await row("paused", { tag, role: "b=x,y" });
    const c = await row("stopped", { tag, role: "c" });
    const list = async (query: string) => {
      const res = await h.inject({
        method: "GET",
        url: `/v1/sandboxes?${query}`,
        headers: as(key),
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ sandboxes: SandboxView[]; nextCursor: string | null }>();
    };
    const ids = async (query: string) => (await list(query)).sandboxes.map((s) => s.id);
    expect(await ids(`metadata=tag=${tag}`)).toEqual([b, a]);
    expect(await ids(`metadata=tag=${tag}&status=running,paused,stopped`)).toEqual([c, b, a]);
    expect(await ids(`metadata=tag=${tag}&status=stopped&status=paused`)).toEqual([c, b]);
    expect(await ids(`metadata=tag=${tag}&metadata=${encodeURIComponent("role=b=x,y")}`)).toEqual([
      b,
    ]);
    const first = await list(`metadata=tag=${tag}&status=running,paused,stopped&limit=2`);
    expect(first.sandboxes.map((s) => s.id)).toEqual([c, b]);
    expect(first.nextCursor).not.toBeNull();
    const second = await list(
      `metadata=tag=${tag}&status=running,paused,stopped&limit=2&cursor=${first.nextCursor}`,
    );
    expect(second.sandboxes.map((s) => s.id)).toEqual([a]);
    expect(second.nextCursor).toBeNull();
  });
});

describe("templates and snapshots", () => {
  it("lists the platform's base template for every team", async () => {
    const res = await h.inject({ method: "GET", url: "/v1/templates", headers: as(otherKey) });
    expect(res.statusCode).toBe(200);
    const names = res.json<{ name: string; isPlatform: boolean }[]>();
    expect(names).toContainEqual(expect.objectContaining({ name: "base", isPlatform: true }));
  });

  it("refuses bad snapshot names, unknown snapshots and the platform's templates", async () => {
    const id = await row("running");
    const bad = await h.inject({
      method: "POST",
      url: "/v1/snapshots",
      headers: as(key),
      payload: { sandboxId: id, name: "../x" },
    });
    expectError(bad, 400);
    const base = "tpl-00000000-0000-0000-0000-000000000001";
    expectError(
      await h.inject({ method: "DELETE", url: `/v1/snapshots/${base}`, headers: as(key) }),
      404,
    );
    const list = await h.inject({ method: "GET", url: "/v1/snapshots", headers: as(key) });
    expect(list.json()).toEqual([]);
  });
});
