import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MeView, SessionView } from "../src/api/auth/schemas.js";
import type { TeamView } from "../src/api/teams/schemas.js";
import { bearer, expectError, type Harness, startControlPlane } from "./helpers/control-plane.js";

let h: Harness;
beforeAll(async () => {
  h = await startControlPlane();
});
afterAll(async () => {
  await h?.close();
});

describe("signup", () => {
  it("creates the user and a default team they own, and returns a session", async () => {
    const res = await h.inject({
      method: "POST",
      url: "/v1/auth/signup",
      payload: { email: "Ada.Lovelace@Example.com", password: "correct horse", name: "Ada" },
    });
    expect(res.statusCode).toBe(201);
    const session = res.json<SessionView>();
    expect(session.user).toMatchObject({ email: "ada.lovelace@example.com", name: "Ada" });
    expect(session.user.id).toMatch(/^usr-[0-9a-f-]{36}$/);
    expect(session.team).toMatchObject({ name: "Ada's team", role: "owner" });
    expect(session.team?.slug).toMatch(/^[0-9a-f]{12}$/);
    expect(Date.parse(session.expiresAt)).toBeGreaterThan(Date.now());
    expect(session.token.split(".")).toHaveLength(3);
    // The response never echoes the password.
    expect(res.body).not.toContain("correct horse");
  });

  it("refuses a second account for the same email, whatever its case", async () => {
    const user = await h.signup("dup");
    const res = await h.inject({
      method: "POST",
      url: "/v1/auth/signup",
      payload: { email: user.email.toUpperCase(), password: "another password" },
    });
    expect(expectError(res, 409).error_code).toBe("conflict");
  });

  it("rejects a short password, a bad email and unknown fields", async () => {
    for (const payload of [
      { email: "short@example.com", password: "1234567" },
      { email: "not-an-email", password: "long enough" },
      { email: "extra@example.com", password: "long enough", admin: true },
    ]) {
      const res = await h.inject({ method: "POST", url: "/v1/auth/signup", payload });
      expect(expectError(res, 400).error_code).toBe("invalid_argument");
    }
  });
});

describe("login", () => {
  it("returns a session in the default team", async () => {
    const user = await h.signup("login");
    const res = await h.inject({
      method: "POST",
      url: "/v1/auth/login",
      payload: { email: user.email, password: user.password },
    });
    expect(res.statusCode).toBe(200);
    const session = res.json<SessionView>();
    expect(session.user.id).toBe(user.id);
    expect(session.team?.id).toBe(user.teamId);
  });

  it("answers 401 with one message for a wrong password and an unknown email", async () => {
    const user = await h.signup("wrongpw");
    const wrong = await h.inject({
      method: "POST",
      url: "/v1/auth/login",
      payload: { email: user.email, password: "not the password" },
    });
    const unknown = await h.inject({
      method: "POST",
      url: "/v1/auth/login",
      payload: { email: "nobody@example.com", password: "whatever" },
    });
    expect(expectError(wrong, 401).message).toBe("wrong email or password");
    expect(expectError(unknown, 401).message).toBe("wrong email or password");
  });
});

describe("me", () => {
  it("shows the user, their teams with roles, and the current team", async () => {
    const user = await h.signup("me");
    const res = await h.inject({ method: "GET", url: "/v1/me", headers: bearer(user) });
    expect(res.statusCode).toBe(200);
    const me = res.json<MeView>();
    expect(me.user).toMatchObject({ id: user.id, email: user.email });
    expect(me.teams).toEqual([expect.objectContaining({ id: user.teamId, role: "owner" })]);
    expect(me.currentTeamId).toBe(user.teamId);
  });

  it("needs a valid session token", async () => {
    const user = await h.signup("tamper");
    const [head, , sig] = user.token.split(".");
    const forged = Buffer.from(JSON.stringify({ sub: user.id, team: user.teamId })).toString(
      "base64url",
    );
    for (const headers of [
      {},
      { authorization: "Bearer not-a-jwt" },
      { authorization: `Bearer ${head}.${forged}.${sig}` },
      { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` },
    ]) {
      const res = await h.inject({ method: "GET", url: "/v1/me", headers });
      expect(expectError(res, 401).error_code).toBe("unauthenticated");
    }
  });
});

describe("switch team", () => {
  it("re-issues the token for a team the user belongs to", async () => {
    const user = await h.signup("switch");
    const created = await h.inject({
      method: "POST",
      url: "/v1/teams",
      headers: bearer(user),
      payload: { name: "Second" },
    });
    const second = created.json<TeamView>();
    const res = await h.inject({
      method: "POST",
      url: "/v1/auth/switch-team",
      headers: bearer(user),
      payload: { teamId: second.id },
    });
    expect(res.statusCode).toBe(200);
    const session = res.json<SessionView>();
    expect(session.team).toMatchObject({ id: second.id, role: "owner" });
    const me = await h.inject({ method: "GET", url: "/v1/me", headers: bearer(session) });
    expect(me.json<MeView>().currentTeamId).toBe(second.id);
    // The new token acts in the new team without X-Team-Id.
    const keys = await h.inject({ method: "GET", url: "/v1/keys", headers: bearer(session) });
    expect(keys.statusCode).toBe(200);
  });

  it("answers 404 for a team the user does not belong to, and for an unknown one", async () => {
    const user = await h.signup("switcher");
    const other = await h.signup("other");
    for (const teamId of [other.teamId, "team-00000000-0000-4000-8000-000000000000"]) {
      const res = await h.inject({
        method: "POST",
        url: "/v1/auth/switch-team",
        headers: bearer(user),
        payload: { teamId },
      });
      expect(expectError(res, 404).error_code).toBe("not_found");
    }
  });
});
