import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ControlPlaneExtension } from "../src/extensions.js";
import { createKey } from "./helpers/api.js";
import { bearer, expectError, type Harness, startControlPlane } from "./helpers/control-plane.js";

// An extension route that fails like a bug would, to see what a 5xx looks like from outside.
const broken: ControlPlaneExtension = {
  name: "broken",
  setup(ctx) {
    ctx.addRoutes(async (app) => {
      app.get("/v1/broken", { config: { auth: "team" } }, async () => {
        throw new Error("db password is hunter2");
      });
    });
  },
};

let h: Harness;
beforeAll(async () => {
  h = await startControlPlane({ extensions: [broken] });
});
afterAll(async () => {
  await h?.close();
});

const json = { "content-type": "application/json" };

describe("health", () => {
  it("answers 200 {status: ok} once migrated, without credentials", async () => {
    const res = await h.inject({ method: "GET", url: "/health" });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: "ok" });
    expect(res.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe("bad input gets a clear 4xx JSON error", () => {
  it("malformed JSON → 400", async () => {
    const res = await h.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: json,
      payload: '{"email": ',
    });
    expect(expectError(res, 400).error_code).toBe("invalid_argument");
  });

  it("wrong types → 400 naming the field, with no coercion", async () => {
    const user = await h.signup("types");
    const res = await h.inject({
      method: "POST",
      url: "/v1/teams",
      headers: bearer(user),
      payload: { name: 123 },
    });
    expect(expectError(res, 400).message).toMatch(/name/);
    const arr = await h.inject({
      method: "POST",
      url: "/v1/teams",
      headers: bearer(user),
      payload: [],
    });
    expectError(arr, 400);
  });

  it("missing fields, unknown fields and an empty body → 400", async () => {
    const user = await h.signup("fields");
    const missing = await h.inject({
      method: "POST",
      url: "/v1/auth/login",
      payload: { email: "a@b.c" },
    });
    expect(expectError(missing, 400).message).toMatch(/password/);
    const extra = await h.inject({
      method: "POST",
      url: "/v1/teams",
      headers: bearer(user),
      payload: { name: "ok", owner: "me" },
    });
    expect(expectError(extra, 400).message).toMatch(/additional/);
    const empty = await h.inject({
      method: "POST",
      url: "/v1/teams",
      headers: { ...bearer(user), ...json },
    });
    expectError(empty, 400);
  });

  it("malformed ids in the path → 400", async () => {
    const user = await h.signup("ids");
    expectError(
      await h.inject({ method: "GET", url: "/v1/teams/not-a-team", headers: bearer(user) }),
      400,
    );
    expectError(
      await h.inject({ method: "GET", url: "/v1/keys/key-123", headers: bearer(user) }),
      400,
    );
    expectError(
      await h.inject({ method: "GET", url: "/v1/keys", headers: bearer(user, "team-x") }),
      400,
    );
  });

  it("a body over 1 MiB → 413", async () => {
    const payload = JSON.stringify({ email: "a@b.c", password: "x".repeat(1024 * 1024) });
    const res = await h.inject({ method: "POST", url: "/v1/auth/login", headers: json, payload });
    expect(expectError(res, 413).error_code).toBe("invalid_argument");
  });

  it("a body that is not JSON → 415", async () => {
    const res = await h.inject({
      method: "POST",
      url: "/v1/auth/login",
      headers: { "content-type": "text/plain" },
      payload: "hello",
    });
    expectError(res, 415);
  });

  it("an unknown route → 404 JSON", async () => {
    const res = await h.inject({ method: "GET", url: "/v1/nothing-here?x=1" });
    expect(expectError(res, 404).message).toBe("no route GET /v1/nothing-here");
    expectError(await h.inject({ method: "DELETE", url: "/v1/me" }), 404);
  });

  it("no or wrong credentials → 401", async () => {
    const anonymous = await h.inject({ method: "GET", url: "/v1/keys" });
    expect(expectError(anonymous, 401).error_code).toBe("unauthenticated");
    expect(anonymous.headers["x-request-id"]).toBeDefined();
    const wrongKey = await h.inject({
      method: "GET",
      url: "/v1/keys",
      headers: { "x-api-key": `wrn_${"0".repeat(40)}` },
    });
    expectError(wrongKey, 401);
    const noTeam = await h.inject({
      method: "GET",
      url: "/v1/keys",
      headers: { authorization: "Bearer x" },
    });
    expectError(noTeam, 401);
  });
});

describe("server errors", () => {
  it("answers 500 with a generic message and the request id, and logs the details", async () => {
    const user = await h.signup("broken");
    const res = await h.inject({ method: "GET", url: "/v1/broken", headers: bearer(user) });
    const body = expectError(res, 500);
    expect(body.error_code).toBe("internal");
    expect(body.message).toBe(`internal error (request ${res.headers["x-request-id"]})`);
    expect(res.body).not.toContain("hunter2");
    const logged = h.logs.find((line) => line.includes("request failed"));
    expect(logged).toContain(String(res.headers["x-request-id"]));
  });
});

describe("logs", () => {
  it("never contain passwords, tokens or API keys", async () => {
    const user = await h.signup("logs");
    const key = await createKey(h, user, "logged");
    await h.inject({ method: "GET", url: "/v1/keys", headers: { "x-api-key": key.key } });
    await h.inject({ method: "GET", url: `/v1/keys?token=${user.token}`, headers: bearer(user) });
    await h.inject({
      method: "POST",
      url: "/v1/auth/login",
      payload: { email: user.email, password: user.password },
    });
    const all = h.logs.join("\n");
    expect(all).toContain("request completed");
    for (const secret of [user.password, user.token, key.key]) expect(all).not.toContain(secret);
  });
});
