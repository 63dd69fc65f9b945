import { type TeamId, UnauthenticatedError, type UserId } from "@wrenn/shared";
import { describe, expect, it } from "vitest";
import { createSessionTokens } from "./session-tokens.js";

const userId = "usr-11111111-1111-4111-8111-111111111111" as UserId;
const teamId = "team-22222222-2222-4222-8222-222222222222" as TeamId;

describe("session tokens", () => {
  it("carry the user, the team and the role hint", async () => {
    let now = new Date("2030-01-01T00:00:00Z");
    const tokens = createSessionTokens({ secret: "s".repeat(32), ttlMs: 60_000, clock: () => now });
    const issued = await tokens.issue({ userId, teamId, role: "admin" });
    expect(issued.expiresAt.toISOString()).toBe("2030-01-01T00:01:00.000Z");
    expect(await tokens.verify(issued.token)).toEqual({
      userId,
      teamId,
      role: "admin",
      expiresAt: issued.expiresAt,
    });
    now = new Date("2030-01-01T00:01:01Z");
    await expect(tokens.verify(issued.token)).rejects.toThrow("session expired");
  });

  it("reject tokens signed with another secret", async () => {
    const clock = () => new Date();
    const ours = createSessionTokens({ secret: "a".repeat(32), ttlMs: 60_000, clock });
    const theirs = createSessionTokens({ secret: "b".repeat(32), ttlMs: 60_000, clock });
    const { token } = await theirs.issue({ userId, teamId: null, role: null });
    await expect(ours.verify(token)).rejects.toBeInstanceOf(UnauthenticatedError);
    expect(await theirs.verify(token)).toMatchObject({ teamId: null, role: null });
  });
});
