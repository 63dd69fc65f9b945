import { describe, expect, it } from "vitest";
import { createSecretBox } from "./secret-box.js";

describe("secret box", () => {
  const box = createSecretBox("a".repeat(32));

  it("round-trips, with a fresh nonce each time", () => {
    const plain = JSON.stringify({ OPENAI_API_KEY: "sk-123" });
    const a = box.seal(plain);
    expect(a).not.toContain("sk-123");
    expect(a).not.toBe(box.seal(plain));
    expect(box.open(a)).toBe(plain);
  });

  it("refuses tampered values and values sealed under another key", () => {
    const sealed = box.seal("secret");
    const payload = Buffer.from(sealed.slice(3), "base64url");
    payload[payload.length - 1] = (payload[payload.length - 1] ?? 0) ^ 1;
    expect(() => box.open(`v1.${payload.toString("base64url")}`)).toThrow();
    expect(() => createSecretBox("b".repeat(32)).open(sealed)).toThrow();
    expect(() => box.open("plain text")).toThrow(/not a sealed value/);
  });
});
