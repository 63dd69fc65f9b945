import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiKeyView } from "../src/api/keys/schemas.js";
import { addMember, createKey } from "./helpers/api.js";
import { bearer, expectError, type Harness, startControlPlane } from "./helpers/control-plane.js";

let h: Harness;
beforeAll(async () => {
  h = await startControlPlane();
});
afterAll(async () => {
  await h?.close();
});

describe("API keys", () => {
  it("creates a wrn_ key whose secret is shown once, and lists it without the secret", async () => {
    const user = await h.signup("keys");
    const created = await createKey(h, user, "laptop");
    expect(created.key).toMatch(/^wrn_[0-9A-Za-z]{40}$/);
    expect(created).toMatchObject({
      name: "laptop",
      teamId: user.teamId,
      createdBy: user.id,
      lastUsedAt: null,
    });
    expect(created.key.startsWith(created.prefix)).toBe(true);

    const res = await h.inject({ method: "GET", url: "/v1/keys", headers: bearer(user) });
    expect(res.statusCode).toBe(200);
    const [listed] = res.json<ApiKeyView[]>();
    expect(listed).toMatchObject({ id: created.id, name: "laptop", prefix: created.prefix });
    expect(res.body).not.toContain(created.key);
    const one = await h.inject({
      method: "GET",
      url: `/v1/keys/${created.id}`,
      headers: bearer(user),
    });
    expect(one.json<ApiKeyView>().id).toBe(created.id);
  });

  it("authenticates with X-API-Key in any header case and records the use", async () => {
    const user = await h.signup("use");
    const created = await createKey(h, user, "sdk");
    for (const header of ["X-API-Key", "X-API-KEY", "x-api-key"]) {
      const res = await h.inject({
        method: "GET",
        url: "/v1/keys",
        headers: { [header]: created.key },
      });
      expect(res.statusCode, header).toBe(200);
    }
    // An SDK's own Authorization header (here not even a Bearer one) does not get in the way.
    const withOther = await h.inject({
      method: "GET",
      url: "/v1/keys",
      headers: { "x-api-key": created.key, authorization: "Token e2b-access-token" },
    });
    expect(withOther.statusCode).toBe(200);
    const res = await h.inject({
      method: "GET",
      url: `/v1/keys/${created.id}`,
      headers: bearer(user),
    });
    expect(res.json<ApiKeyView>().lastUsedAt).not.toBeNull();
  });

  it("stops working as soon as it is deleted", async () => {
    const user = await h.signup("revoke");
    const created = await createKey(h, user, "short-lived");
    const del = await h.inject({
      method: "DELETE",
      url: `/v1/keys/${created.id}`,
      headers: bearer(user),
    });
    expect(del.statusCode).toBe(204);
    const res = await h.inject({
      method: "GET",
      url: "/v1/keys",
      headers: { "x-api-key": created.key },
    });
    expect(expectError(res, 401).error_code).toBe("unauthenticated");
    expectError(
      await h.inject({ method: "DELETE", url: `/v1/keys/${created.id}`, headers: bearer(user) }),
      404,
    );
  });

  it("rejects malformed and unknown keys with 401", async () => {
    const unknown = `wrn_${"a".repeat(40)}`;
    for (const key of ["", "e2b_0123abcd", unknown, `${unknown}x`]) {
      const res = await h.inject({ method: "GET", url: "/v1/keys", headers: { "x-api-key": key } });
      expectError(res, 401);
    }
  });

  it("cannot mint keys or reach user-only routes", async () => {
    const user = await h.signup("nomint");
    const created = await createKey(h, user, "bot");
    const mint = await h.inject({
      method: "POST",
      url: "/v1/keys",
      headers: { "x-api-key": created.key },
      payload: { name: "child" },
    });
    expectError(mint, 403);
    expectError(
      await h.inject({ method: "GET", url: "/v1/me", headers: { "x-api-key": created.key } }),
      403,
    );
  });

  it("lets members delete their own keys, and only admins delete others'", async () => {
    const owner = await h.signup("owner");
    const member = await h.signup("member");
    await addMember(h, owner, owner.teamId, member.email, "member");
    const ownersKey = await createKey(h, owner, "owner's", owner.teamId);
    const membersKey = await createKey(h, member, "member's", owner.teamId);
    const del = (user: { token: string }, id: string) =>
      h.inject({ method: "DELETE", url: `/v1/keys/${id}`, headers: bearer(user, owner.teamId) });
    expectError(await del(member, ownersKey.id), 403);
    expect((await del(member, membersKey.id)).statusCode).toBe(204);
    const again = await createKey(h, member, "member's again", owner.teamId);
    expect((await del(owner, again.id)).statusCode).toBe(204);
  });
});

describe("team isolation", () => {
  it("never shows one team's keys or team to another team's key or user: 404", async () => {
    const alice = await h.signup("alice");
    const bob = await h.signup("bob");
    const aliceKey = await createKey(h, alice, "alice");
    const bobKey = await createKey(h, bob, "bob");
    const asAlice = { "x-api-key": aliceKey.key };

    const listed = await h.inject({ method: "GET", url: "/v1/keys", headers: asAlice });
    expect(listed.json<ApiKeyView[]>().map((k) => k.id)).toEqual([aliceKey.id]);
    for (const [method, url] of [
      ["GET", `/v1/keys/${bobKey.id}`],
      ["DELETE", `/v1/keys/${bobKey.id}`],
      ["GET", `/v1/teams/${bob.teamId}`],
      ["GET", `/v1/teams/${bob.teamId}/members`],
    ] as const) {
      expectError(await h.inject({ method, url, headers: asAlice }), 404);
      expectError(await h.inject({ method, url, headers: bearer(alice) }), 404);
    }
    // Asking for Bob's team explicitly does not help either.
    expectError(
      await h.inject({
        method: "GET",
        url: "/v1/keys",
        headers: { ...asAlice, "x-team-id": bob.teamId },
      }),
      404,
    );
    expectError(
      await h.inject({ method: "GET", url: "/v1/keys", headers: bearer(alice, bob.teamId) }),
      404,
    );
    // Bob's key still works: nothing was deleted.
    expect(
      (await h.inject({ method: "GET", url: "/v1/keys", headers: { "x-api-key": bobKey.key } }))
        .statusCode,
    ).toBe(200);
  });
});
