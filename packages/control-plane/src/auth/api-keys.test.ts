import { describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey, isWellFormedApiKey } from "./api-keys.js";

describe("API keys", () => {
  it("are wrn_ + 40 base-62 characters, different every time, stored as SHA-256", () => {
    const a = generateApiKey();
    const b = generateApiKey();
    expect(a.secret).toMatch(/^wrn_[0-9A-Za-z]{40}$/);
    expect(a.secret).not.toBe(b.secret);
    expect(isWellFormedApiKey(a.secret)).toBe(true);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(a.hash).toBe(hashApiKey(a.secret));
    expect(a.prefix).toBe(a.secret.slice(0, 10));
  });

  it("reject other shapes before any lookup", () => {
    for (const value of [
      "",
      "wrn_",
      "e2b_0123abcdef",
      `wrn_${"a".repeat(39)}`,
      `wrn_${"-".repeat(40)}`,
    ]) {
      expect(isWellFormedApiKey(value)).toBe(false);
    }
  });
});
