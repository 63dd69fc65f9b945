import { describe, expect, it } from "vitest";
import { hasRoleAtLeast, isTeamRole } from "./roles.js";

describe("team roles", () => {
  it("order owner > admin > member", () => {
    expect(hasRoleAtLeast("owner", "admin")).toBe(true);
    expect(hasRoleAtLeast("admin", "admin")).toBe(true);
    expect(hasRoleAtLeast("member", "admin")).toBe(false);
    expect(hasRoleAtLeast("admin", "owner")).toBe(false);
  });

  it("recognise only the three roles", () => {
    expect(isTeamRole("admin")).toBe(true);
    expect(isTeamRole("root")).toBe(false);
  });
});
