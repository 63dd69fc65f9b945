import { describe, expect, it } from "vitest";
import {
  isSandboxId,
  newSandboxId,
  parseSandboxId,
  parseUuid,
  sandboxIdFromUuid,
  sandboxIdToUuid,
  teamIds,
} from "./ids.js";

describe("sandbox ids", () => {
  it("round-trips a UUID through the cl- base-36 form", () => {
    const uuid = parseUuid("0f8fad5b-d9cb-469f-a165-70867728950e");
    const id = sandboxIdFromUuid(uuid);
    expect(id).toMatch(/^cl-[0-9a-z]{25}$/);
    expect(sandboxIdToUuid(id)).toBe(uuid);
  });

  it("keeps the extremes", () => {
    for (const uuid of [
      "00000000-0000-0000-0000-000000000000",
      "ffffffff-ffff-ffff-ffff-ffffffffffff",
    ]) {
      expect(sandboxIdToUuid(sandboxIdFromUuid(parseUuid(uuid)))).toBe(uuid);
    }
  });

  it("makes fresh valid ids", () => {
    const a = newSandboxId();
    expect(isSandboxId(a)).toBe(true);
    expect(newSandboxId()).not.toBe(a);
  });

  it("rejects malformed ids with a clear error", () => {
    expect(() => parseSandboxId("cl-abc")).toThrow(/not a sandbox id/);
    expect(() => parseSandboxId("../etc")).toThrow(/not a sandbox id/);
    expect(isSandboxId(`cl-${"z".repeat(25)}`)).toBe(false); // above 2^128
  });
});

describe("prefixed ids", () => {
  it("parses and converts team ids", () => {
    const id = teamIds.parse("team-0f8fad5b-d9cb-469f-a165-70867728950e");
    expect(teamIds.toUuid(id)).toBe("0f8fad5b-d9cb-469f-a165-70867728950e");
    expect(() => teamIds.parse("usr-0f8fad5b-d9cb-469f-a165-70867728950e")).toThrow(
      /not a team id/,
    );
  });
});
