import http from "node:http";
import { newSandboxId, type SandboxId, type TeamId } from "@wrenn/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey } from "./helpers/api.js";
import { expectError, type Harness, startControlPlane } from "./helpers/control-plane.js";

/*
 * The E2B routes' wire behaviour without a host agent: validation, error bodies, ids, isolation
 * and list encoding, on sandbox rows written straight into the database. Real sandboxes driven
 * by the e2b SDK are in sandboxes-e2b-*.test.ts.
 */

let h: Harness;
let key: string;
let otherKey: string;
let teamId: TeamId;
let url: string;

beforeAll(async () => {
  h = await startControlPlane({ env: { WRENN_HOST: "127.0.0.1", WRENN_PORT: "0" } });
  const owner = await h.signup("e2b-owner");
  const other = await h.signup("e2b-other");
  teamId = owner.teamId as TeamId;
  key = (await createKey(h, owner, "sdk")).key;
  otherKey = (await createKey(h, other, "sdk")).key;
  url = await h.cp.listen();
});
afterAll(async () => {
  await h?.close();
});

/** A running sandbox row on a host that does not exist: enough for reads and isolation. */
async function insertRunning(metadata: Record<string, string> = {}): Promise<SandboxId> {
  const q = h.cp.db.queries;
  const host = await q.hosts.insert({ address: "127.0.0.1:9" });
  const template = await q.templates.getVisibleByName(teamId, "base");
  if (!template) throw new Error("no base template seeded");
  const id = newSandboxId();
  await q.sandboxes.insert({
    id,
    teamId,
    templateId: template.id,
    hostId: host.id,
    createdBy: null,
    vcpus: 1,
    memoryMb: 512,
    timeoutMs: 300_000,
    metadata,
    envVarsSealed: null,
    autoPause: false,
    autoResume: false,
    allowInternetAccess: true,
    egress: { allowOut: [], denyOut: [] },
    envdAccessTokenHash: null,
    trafficAccessTokenHash: null,
  });
  await q.sandboxes.transition(id, { from: "pending", to: "starting" });
  await q.sandboxes.transition(id, {
    from: "starting",
    to: "running",
    set: { startedAt: new Date(), endAt: new Date(Date.now() + 300_000) },
  });
  return id;
}

const e2b = (apiKey: string) => ({ "x-api-key": apiKey });

/** Every E2B route that names a sandbox, with a body it accepts. */
const SANDBOX_ROUTES = (id: string) =>
  [
    { method: "GET", url: `/sandboxes/${id}` },
    { method: "DELETE", url: `/sandboxes/${id}` },
    { method: "POST", url: `/sandboxes/${id}/timeout`, payload: { timeout: 60 } },
    { method: "POST", url: `/sandboxes/${id}/pause`, payload: {} },
    { method: "POST", url: `/sandboxes/${id}/pause` }, // SDKs up to 2.5 send no body
    { method: "POST", url: `/sandboxes/${id}/connect`, payload: { timeout: 60 } },
    { method: "POST", url: `/v2/sandboxes/${id}/connect`, payload: {} },
    { method: "POST", url: `/sandboxes/${id}/resume`, payload: { timeout: 60 } },
    { method: "GET", url: `/sandboxes/${id}/metrics` },
    { method: "POST", url: `/sandboxes/${id}/snapshots`, payload: {} },
  ] as const;

describe("E2B routes: ids and isolation", () => {
  it("answers 404 {code: 404} for unknown and malformed ids on every sandbox route", async () => {
    for (const id of [newSandboxId(), "isb1", "cl-zzz", `${newSandboxId()}-x`]) {
      for (const route of SANDBOX_ROUTES(id)) {
        const res = await h.inject({ ...route, headers: e2b(key) });
        expectError(res, 404);
      }
    }
  });

  it("answers 404 for another team's sandbox on every route, and shows it to its own", async () => {
    const id = await insertRunning();
    for (const route of SANDBOX_ROUTES(id)) {
      const res = await h.inject({ ...route, headers: e2b(otherKey) });
      expect(res.json().message, `${route.method} ${route.url}`).toMatch(/not found/);
      expectError(res, 404);
    }
    const listed = await h.inject({ method: "GET", url: "/v2/sandboxes", headers: e2b(otherKey) });
    expect(listed.json()).toEqual([]);
    const own = await h.inject({ method: "GET", url: `/sandboxes/${id}`, headers: e2b(key) });
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({
      sandboxID: id,
      alias: "base",
      clientID: "wrenn",
      envdVersion: "0.6.13",
      state: "running",
      cpuCount: 1,
      memoryMB: 512,
      domain: null,
      lifecycle: { onTimeout: "kill", autoResume: false },
      network: { allowPublicTraffic: true },
    });
  });

  it("keeps snapshots to their team: another team's key neither lists nor deletes them", async () => {
    const id = await insertRunning();
    const snapshot = await h.cp.db.queries.templates.insert({
      teamId,
      name: `snap-${Date.now()}`,
      type: "snapshot",
      vcpus: 1,
      memoryMb: 512,
      createdBy: null,
      sourceSandboxId: id,
    });
    if (!snapshot) throw new Error("snapshot row not inserted");
    const list = (apiKey: string) =>
      h.inject({ method: "GET", url: `/snapshots?sandboxID=${id}`, headers: e2b(apiKey) });
    expect((await list(key)).json()).toEqual([{ snapshotID: snapshot.id, names: [snapshot.name] }]);
    expect((await list(otherKey)).json()).toEqual([]);
    for (const ref of [snapshot.id, snapshot.name, "tpl-nope", "base"]) {
      const res = await h.inject({
        method: "DELETE",
        url: `/templates/${ref}`,
        headers: e2b(otherKey),
      });
      expectError(res, 404);
    }
    // The platform's base template is no snapshot, whoever asks.
    expectError(
      await h.inject({ method: "DELETE", url: "/templates/base", headers: e2b(key) }),
      404,
    );
  });

  it("accepts infra's legacy `<id>-<clientID>` form", async () => {
    const id = await insertRunning();
    const res = await h.inject({ method: "GET", url: `/sandboxes/${id}-x1`, headers: e2b(key) });
    expect(res.json().sandboxID).toBe(id);
  });

  it("refuses a missing or wrong key with 401 and the error body", async () => {
    expectError(await h.inject({ method: "GET", url: "/v2/sandboxes" }), 401);
    const wrong = { "X-API-KEY": "wrn_notakey000000000000000000000000000000000" };
    expectError(await h.inject({ method: "GET", url: "/v2/sandboxes", headers: wrong }), 401);
    const create = { method: "POST", url: "/v2/sandboxes", payload: { templateID: "base" } };
    expectError(await h.inject({ ...create, headers: wrong }), 401);
  });
});

describe("E2B routes: bad input", () => {
  const create = (payload: unknown, headers: Record<string, string> = {}) =>
    h.inject({
      method: "POST",
      url: "/v2/sandboxes",
      headers: { ...e2b(key), "content-type": "application/json", ...headers },
      payload: typeof payload === "string" ? payload : JSON.stringify(payload),
    });

  it("rejects malformed JSON, wrong types and bad timeouts with 400", async () => {
    expectError(await create("{not json"), 400);
    expectError(await create({ templateID: 42 }), 400);
    expectError(await create({}), 400);
    expectError(await create({ templateID: "base", metadata: { a: 1 } }), 400);
    expectError(await create({ templateID: "base", envVars: ["A=1"] }), 400);
    expectError(await create({ templateID: "base", timeout: -5 }), 400);
    expectError(await create({ templateID: "base", timeout: 0 }), 400);
    expectError(await create({ templateID: "base", timeout: 1.5 }), 400);
    expectError(await create({ templateID: "base", timeout: 86_400 * 365 }), 400);
    const v1 = await h.inject({
      method: "POST",
      url: "/sandboxes",
      headers: e2b(key),
      payload: { templateID: "base", secure: "yes" },
    });
    expectError(v1, 400);
  });

  it("names the E2B features it does not have instead of dropping them", async () => {
    const body = expectError(
      await create({ templateID: "base", volumeMounts: [{ name: "v", path: "/mnt" }] }),
      400,
    );
    expect(body.message).toMatch(/volumeMounts/);
    const rules = { templateID: "base", network: { rules: { "a.com": [{}] } } };
    expect(expectError(await create(rules), 400).message).toMatch(/network.rules/);
    const domains = { templateID: "base", network: { allowOut: ["example.com"] } };
    expect(expectError(await create(domains), 400).message).toMatch(/CIDR/);
  });

  it("answers 404 for an unknown template", async () => {
    const body = expectError(await create({ templateID: "no-such-template" }), 404);
    expect(body.message).toMatch(/template/);
  });

  it("answers 413 for an oversized body and 415 for one that is not JSON", async () => {
    const big = { templateID: "base", metadata: { blob: "x".repeat(2 * 1024 * 1024) } };
    expectError(await create(big), 413);
    expectError(await create("templateID=base", { "content-type": "text/plain" }), 415);
  });

  it("rejects a bad timeout body and list filters it cannot apply", async () => {
    const id = await insertRunning();
    for (const payload of [{ timeout: -1 }, { timeout: "60" }, {}]) {
      const res = await h.inject({
        method: "POST",
        url: `/sandboxes/${id}/timeout`,
        headers: e2b(key),
        payload,
      });
      expectError(res, 400);
    }
    for (const query of [
      "state=stopped",
      "order=asc",
      "limit=0",
      "metadata=a%25ZZ",
      "nextToken=x",
    ]) {
      const res = await h.inject({
        method: "GET",
        url: `/v2/sandboxes?${query}`,
        headers: e2b(key),
      });
      expectError(res, 400);
    }
  });
});

describe("E2B list", () => {
  it("filters on metadata encoded the way the SDK does, and pages with X-Next-Token", async () => {
    const tag = `run-${Date.now()}`;
    const odd = { "a b": "c&d=e", tag };
    const ids = [
      await insertRunning({ tag }),
      await insertRunning(odd),
      await insertRunning({ tag }),
    ];
    // The SDK's encoding (sandboxApi.ts), then the query serialiser's.
    const encoded = new URLSearchParams(
      Object.entries(odd).map(([k, v]): [string, string] => [
        encodeURIComponent(k),
        encodeURIComponent(v),
      ]),
    ).toString();
    const one = await h.inject({
      method: "GET",
      url: `/v2/sandboxes?metadata=${encodeURIComponent(encoded)}&state=running,paused`,
      headers: e2b(key),
    });
    expect(one.json().map((s: { sandboxID: string }) => s.sandboxID)).toEqual([ids[1]]);

    const seen: string[] = [];
    let next: string | undefined;
    do {
      const res = await h.inject({
        method: "GET",
        url: `/v2/sandboxes?metadata=${encodeURIComponent(`tag=${tag}`)}&limit=2${next ? `&nextToken=${next}` : ""}`,
        headers: e2b(key),
      });
      expect(res.statusCode).toBe(200);
      seen.push(...res.json().map((s: { sandboxID: string }) => s.sandboxID));
      next = res.headers["x-next-token"] as string | undefined;
    } while (next);
    expect(seen).toEqual([...ids].reverse());
  });
});

describe("E2B routes in OpenAPI", () => {
  it("documents every E2B operation, tagged e2b, behind the API key", async () => {
    const res = await h.inject({ method: "GET", url: "/openapi.json" });
    const paths: Record<
      string,
      Record<string, { tags?: string[]; security?: unknown[] }>
    > = res.json().paths;
    const e2bOps = Object.entries(paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.tags?.includes("e2b"))
        .map(([method, op]) => {
          expect(op.security, `${method} ${path}`).toContainEqual({ apiKeyAuth: [] });
          return `${method.toUpperCase()} ${path}`;
        }),
    );
    expect(e2bOps.sort()).toEqual(
      [
        "POST /v2/sandboxes",
        "POST /sandboxes",
        "POST /v2/sandboxes/{sandboxID}/connect",
        "POST /sandboxes/{sandboxID}/connect",
        "POST /sandboxes/{sandboxID}/resume",
        "GET /sandboxes/{sandboxID}",
        "GET /v2/sandboxes",
        "DELETE /sandboxes/{sandboxID}",
        "POST /sandboxes/{sandboxID}/timeout",
        "POST /sandboxes/{sandboxID}/pause",
        "GET /sandboxes/{sandboxID}/metrics",
        "POST /sandboxes/{sandboxID}/snapshots",
        "GET /snapshots",
        "DELETE /templates/{templateID}",
      ].sort(),
    );
  });
});

describe("sandbox proxy without sandboxes", () => {
  function get(headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const { port } = new URL(url);
    return new Promise((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, path: "/health", headers }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        })
        .on("error", reject);
    });
  }

  it("answers 502 for unknown sandboxes, by headers and by host name", async () => {
    const id = newSandboxId();
    const byHeaders = await get({ "e2b-sandbox-id": id, "e2b-sandbox-port": "49983" });
    expect(byHeaders.status).toBe(502);
    expect(JSON.parse(byHeaders.body)).toEqual({
      sandboxId: id,
      message: "The sandbox was not found",
      code: 502,
    });
    const byHost = await get({ host: `49983-${id}.localhost` });
    expect(byHost.status).toBe(502);
  });

  it("answers the same 502 for a sandbox that exists but is not running", async () => {
    const id = await insertRunning();
    await h.cp.db.queries.sandboxes.transition(id, { from: "running", to: "pausing" });
    const res = await get({ "e2b-sandbox-id": id, "e2b-sandbox-port": "49983" });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.body).message).toBe("The sandbox was not found");
  });

  it("leaves GET /health to the API when no sandbox is named", async () => {
    const res = await get({});
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ status: "ok" });
  });
});
