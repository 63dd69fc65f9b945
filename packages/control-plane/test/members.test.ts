import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MemberView } from "../src/api/members/schemas.js";
import { addMember, createKey } from "./helpers/api.js";
import {
  bearer,
  expectError,
  type Harness,
  startControlPlane,
  type TestUser,
} from "./helpers/control-plane.js";

let h: Harness;
beforeAll(async () => {
  h = await startControlPlane();
});
afterAll(async () => {
  await h?.close();
});

/** An owner's team with one admin and one member. */
async function team() {
  const owner = await h.signup("owner");
  const admin = await h.signup("admin");
  const member = await h.signup("member");
  await addMember(h, owner, owner.teamId, admin.email, "admin");
  await addMember(h, owner, owner.teamId, member.email, "member");
  return { owner, admin, member, teamId: owner.teamId };
}

const setRole = (actor: TestUser, teamId: string, target: TestUser, role: string) =>
  h.inject({
    method: "PATCH",
    url: `/v1/teams/${teamId}/members/${target.id}`,
    headers: bearer(actor),
    payload: { role },
  });
const remove = (actor: TestUser, teamId: string, target: TestUser) =>
  h.inject({
    method: "DELETE",
    url: `/v1/teams/${teamId}/members/${target.id}`,
    headers: bearer(actor),
  });
const leave = (actor: TestUser, teamId: string) =>
  h.inject({ method: "POST", url: `/v1/teams/${teamId}/leave`, headers: bearer(actor) });
const list = async (actor: TestUser, teamId: string) => {
  const res = await h.inject({
    method: "GET",
    url: `/v1/teams/${teamId}/members`,
    headers: bearer(actor),
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json<MemberView[]>();
};

describe("adding members", () => {
  it("adds an existing user by email (any case) with a role, default member", async () => {
    const { owner, admin, member, teamId } = await team();
    const newcomer = await h.signup("newcomer");
    const res = await h.inject({
      method: "POST",
      url: `/v1/teams/${teamId}/members`,
      headers: bearer(admin),
      payload: { email: newcomer.email.toUpperCase() },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json<MemberView>()).toMatchObject({ userId: newcomer.id, role: "member" });
    const roles = Object.fromEntries((await list(member, teamId)).map((m) => [m.userId, m.role]));
    expect(roles).toEqual({
      [owner.id]: "owner",
      [admin.id]: "admin",
      [member.id]: "member",
      [newcomer.id]: "member",
    });
  });

  it("refuses members (403), non-members (404), unknown emails (404) and duplicates (409)", async () => {
    const { owner, member, teamId } = await team();
    const stranger = await h.signup("stranger");
    const add = (actor: TestUser, email: string) =>
      h.inject({
        method: "POST",
        url: `/v1/teams/${teamId}/members`,
        headers: bearer(actor),
        payload: { email },
      });
    expectError(await add(member, stranger.email), 403);
    expectError(await add(stranger, stranger.email), 404);
    expectError(await add(owner, "nobody@example.com"), 404);
    expectError(await add(owner, member.email), 409);
  });

  it("lets only an owner add an owner", async () => {
    const { owner, admin, teamId } = await team();
    const a = await h.signup("a");
    const byAdmin = await h.inject({
      method: "POST",
      url: `/v1/teams/${teamId}/members`,
      headers: bearer(admin),
      payload: { email: a.email, role: "owner" },
    });
    expectError(byAdmin, 403);
    await addMember(h, owner, teamId, a.email, "owner");
  });
});

describe("changing roles", () => {
  it("lets an admin promote and demote non-owners", async () => {
    const { admin, member, teamId } = await team();
    const res = await setRole(admin, teamId, member, "admin");
    expect(res.statusCode).toBe(200);
    expect(res.json<MemberView>().role).toBe("admin");
    expect((await setRole(admin, teamId, member, "member")).statusCode).toBe(200);
  });

  it("keeps owners out of an admin's reach", async () => {
    const { owner, admin, member, teamId } = await team();
    expectError(await setRole(admin, teamId, owner, "member"), 403);
    expectError(await setRole(admin, teamId, member, "owner"), 403);
    expectError(await setRole(member, teamId, admin, "member"), 403);
  });

  it("never leaves a team without an owner", async () => {
    const { owner, admin, teamId } = await team();
    expect(expectError(await setRole(owner, teamId, owner, "admin"), 409).message).toMatch(
      /at least one owner/,
    );
    expect((await setRole(owner, teamId, admin, "owner")).statusCode).toBe(200);
    expect((await setRole(owner, teamId, owner, "member")).statusCode).toBe(200);
    // The old owner is a member now, and the new owner cannot step down alone.
    expectError(await setRole(owner, teamId, admin, "member"), 403);
    expectError(await setRole(admin, teamId, admin, "member"), 409);
  });

  it("keeps one owner when two owners demote each other at the same moment", async () => {
    const { owner, admin, teamId } = await team();
    await setRole(owner, teamId, admin, "owner");
    const results = await Promise.all([
      setRole(owner, teamId, admin, "member"),
      setRole(admin, teamId, owner, "member"),
    ]);
    // Whichever commits first wins; the other actor is no longer an owner by then.
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 403]);
    const owners = (await list(admin, teamId)).filter((m) => m.role === "owner");
    expect(owners).toHaveLength(1);
  });

  it("answers 404 for someone who is not a member and 400 for an unknown role", async () => {
    const { owner, teamId } = await team();
    const stranger = await h.signup("stranger");
    expectError(await setRole(owner, teamId, stranger, "member"), 404);
    expectError(await setRole(owner, teamId, stranger, "superuser"), 400);
  });
});

describe("removing and leaving", () => {
  it("lets an admin remove a member, who then loses access", async () => {
    const { admin, member, teamId } = await team();
    const res = await remove(admin, teamId, member);
    expect(res.statusCode).toBe(204);
    expectError(
      await h.inject({ method: "GET", url: `/v1/teams/${teamId}`, headers: bearer(member) }),
      404,
    );
    expectError(await remove(admin, teamId, member), 404);
  });

  it("protects owners: an admin cannot remove one, and the last one cannot be removed", async () => {
    const { owner, admin, member, teamId } = await team();
    expectError(await remove(admin, teamId, owner), 403);
    expectError(await remove(member, teamId, admin), 403);
    expectError(await remove(owner, teamId, owner), 409);
  });

  it("lets a member leave, but not the last owner", async () => {
    const { owner, member, teamId } = await team();
    expect((await leave(member, teamId)).statusCode).toBe(204);
    expectError(await leave(member, teamId), 404);
    expectError(await leave(owner, teamId), 409);
  });

  it("lets an owner leave once another owner exists", async () => {
    const { owner, admin, teamId } = await team();
    await setRole(owner, teamId, admin, "owner");
    expect((await leave(owner, teamId)).statusCode).toBe(204);
    const members = await list(admin, teamId);
    expect(members.map((m) => m.userId)).not.toContain(owner.id);
  });

  it("refuses membership changes made with an API key", async () => {
    const { owner, member, teamId } = await team();
    const key = await createKey(h, owner, "automation");
    const res = await h.inject({
      method: "DELETE",
      url: `/v1/teams/${teamId}/members/${member.id}`,
      headers: { "x-api-key": key.key },
    });
    expectError(res, 403);
    const listed = await h.inject({
      method: "GET",
      url: `/v1/teams/${teamId}/members`,
      headers: { "x-api-key": key.key },
    });
    expect(listed.statusCode).toBe(200);
  });
});
