import { newSandboxId } from "@wrenn/shared";
import { describe, expect, it } from "vitest";
import { createSandboxTokens, hashToken } from "./sandbox-tokens.js";

describe("sandbox tokens", () => {
  const tokens = createSandboxTokens("a server secret of at least 32 characters");

  it("are the same for the same sandbox and generation, so they need no storage", () => {
    const id = newSandboxId();
    expect(tokens.envd(id, 0)).toBe(tokens.envd(id, 0));
    expect(tokens.envd(id, 0)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("differ by sandbox, generation, kind and secret", () => {
    const [a, b] = [newSandboxId(), newSandboxId()];
    const other = createSandboxTokens("another server secret, also 32+ characters");
    const all = [
      tokens.envd(a, 0),
      tokens.envd(b, 0),
      tokens.envd(a, 1),
      tokens.traffic(a, 0),
      other.envd(a, 0),
    ];
    expect(new Set(all).size).toBe(all.length);
  });

  it("hash to hex SHA-256", () => {
    expect(hashToken("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});
