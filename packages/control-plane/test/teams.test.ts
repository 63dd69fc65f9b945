import type { TeamId } from "@wrenn/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TeamView } from "../src/api/teams/schemas.js";
import type { ControlPlaneExtension } from "../src/extensions.js";
import type { CreatedApiKey } from "./helpers/api.js";
import { addMember, createKey, createTeam } from "./helpers/api.js";
import { bearer, expectError, type Harness, startControlPlane } from "./helpers/control-plane.js";

const deletedTeams: TeamId[] = [];
const recordDeletions: ControlPlaneExtension = {
  name: "record-deletions",
  setup(ctx) {
    ctx.teamHooks.onTeamDeleted(async ({ teamId }) => {
      deletedTeams.push(teamId);
    });
  },
};

let h: Harness;
beforeAll(async () => {
  h = await startControlPlane({ extensions: [recordDeletions] });
});
afterAll(async () => {
  await h?.close();
});

describe("teams", () => {
  it("creates a team owned by its creator and lists it", async () => {
    const user = await h.signup("creator");
    const team = await createTeam(h, user, "Research");
    expect(team).toMatchObject({ name: "Research", role: "owner" });
    expect(team.slug).toMatch(/^[0-9a-f]{12}$/);
    const list = await h.inject({ method: "GET", url: "/v1/teams", headers: bearer(user) });
    expect(list.json<TeamView[]>().map((t) => t.id)).toEqual([user.teamId, team.id]);
  });

  it("gets a team for members, 404 for anyone else", async () => {
    const owner = await h.signup("owner");
    const stranger = await h.signup("stranger");
    const own = await h.inject({
      method: "GET",
      url: `/v1/teams/${owner.teamId}`,
      headers: bearer(owner),
    });
    expect(own.json<TeamView>()).toMatchObject({ id: owner.teamId, role: "owner" });
    const other = await h.inject({
      method: "GET",
      url: `/v1/teams/${owner.teamId}`,
      headers: bearer(stranger),
    });
    expectError(other, 404);
  });

  it("renames for admins and owners; members get 403, non-members 404; the slug stays", async () => {
    const owner = await h.signup("owner");
    const admin = await h.signup("admin");
    const member = await h.signup("member");
    const stranger = await h.signup("stranger");
    await addMember(h, owner, owner.teamId, admin.email, "admin");
    await addMember(h, owner, owner.teamId, member.email, "member");
    const before = await h.inject({
      method: "GET",
      url: `/v1/teams/${owner.teamId}`,
      headers: bearer(owner),
    });

    const rename = (user: { token: string }, name: string) =>
      h.inject({
        method: "PATCH",
        url: `/v1/teams/${owner.teamId}`,
        headers: bearer(user),
        payload: { name },
      });
    const byAdmin = await rename(admin, "Renamed by admin");
    expect(byAdmin.statusCode).toBe(200);
    expect(byAdmin.json<TeamView>()).toMatchObject({ name: "Renamed by admin", role: "admin" });
    expect(byAdmin.json<TeamView>().slug).toBe(before.json<TeamView>().slug);
    expect((await rename(owner, "Renamed by owner")).statusCode).toBe(200);
    expect(expectError(await rename(member, "No"), 403).error_code).toBe("forbidden");
    expectError(await rename(stranger, "No"), 404);
    expectError(await rename(owner, " padded "), 400);
  });

  it("lets an API key read its team but not change it", async () => {
    const owner = await h.signup("keyowner");
    const key: CreatedApiKey = await createKey(h, owner, "ci");
    const read = await h.inject({
      method: "GET",
      url: `/v1/teams/${owner.teamId}`,
      headers: { "x-api-key": key.key },
    });
    expect(read.json<TeamView>()).toMatchObject({ id: owner.teamId, role: null });
    const rename = await h.inject({
      method: "PATCH",
      url: `/v1/teams/${owner.teamId}`,
      headers: { "x-api-key": key.key },
      payload: { name: "Nope" },
    });
    expectError(rename, 403);
  });

  it("deletes for the owner only, then the team, its keys and its membership are gone", async () => {
    const owner = await h.signup("deleter");
    const admin = await h.signup("deladmin");
    const team = await createTeam(h, owner, "Doomed");
    await addMember(h, owner, team.id, admin.email, "admin");
    const key = await createKey(h, owner, "doomed key", team.id);
    const del = (user: { token: string }) =>
      h.inject({ method: "DELETE", url: `/v1/teams/${team.id}`, headers: bearer(user) });

    expectError(await del(admin), 403);
    const res = await del(owner);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe("");
    expect(deletedTeams).toContain(team.id);

    expectError(
      await h.inject({ method: "GET", url: `/v1/teams/${team.id}`, headers: bearer(owner) }),
      404,
    );
    expectError(await del(owner), 404);
    const list = await h.inject({ method: "GET", url: "/v1/teams", headers: bearer(admin) });
    expect(list.json<TeamView[]>().map((t) => t.id)).not.toContain(team.id);
    const withKey = await h.inject({
      method: "GET",
      url: "/v1/keys",
      headers: { "x-api-key": key.key },
    });
    expectError(withKey, 401);
  });
});
