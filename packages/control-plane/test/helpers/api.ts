import { expect } from "vitest";
import type { ApiKeyView } from "../../src/api/keys/schemas.js";
import type { MemberView } from "../../src/api/members/schemas.js";
import type { TeamView } from "../../src/api/teams/schemas.js";
import { bearer, type Harness } from "./control-plane.js";

/** Small wrappers for setup steps; each asserts its own success so a test fails where it should. */

export type CreatedApiKey = ApiKeyView & { key: string };

export async function createTeam(
  h: Harness,
  user: { token: string },
  name: string,
): Promise<TeamView> {
  const res = await h.inject({
    method: "POST",
    url: "/v1/teams",
    headers: bearer(user),
    payload: { name },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<TeamView>();
}

export async function addMember(
  h: Harness,
  actor: { token: string },
  teamId: string,
  email: string,
  role: "owner" | "admin" | "member",
): Promise<MemberView> {
  const res = await h.inject({
    method: "POST",
    url: `/v1/teams/${teamId}/members`,
    headers: bearer(actor),
    payload: { email, role },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<MemberView>();
}

export async function createKey(
  h: Harness,
  user: { token: string },
  name: string,
  teamId?: string,
): Promise<CreatedApiKey> {
  const res = await h.inject({
    method: "POST",
    url: "/v1/keys",
    headers: bearer(user, teamId),
    payload: { name },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json<CreatedApiKey>();
}
