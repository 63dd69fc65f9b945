import { mkdtemp, readFile, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configPath, readStoredConfig, resolveConfig, writeStoredConfig } from "./config.js";

const now = new Date("2026-01-01T00:00:00Z");

describe("resolveConfig", () => {
  const stored = { url: "http://stored:1", apiKey: "wrn_stored" };

  it("takes flags over the environment over the file", () => {
    const env = { WRENN_API_URL: "http://env:2", WRENN_API_KEY: "wrn_env" };
    expect(resolveConfig({ flags: { apiKey: "wrn_flag" }, env, stored, now })).toEqual({
      url: "http://env:2",
      apiKey: "wrn_flag",
      token: null,
    });
    expect(resolveConfig({ flags: {}, env: {}, stored, now })).toMatchObject({
      url: "http://stored:1",
      apiKey: "wrn_stored",
    });
  });

  it("defaults to localhost:8080 and drops an expired session", () => {
    const expired = { token: "jwt", tokenExpiresAt: "2025-12-31T00:00:00Z" };
    expect(resolveConfig({ flags: {}, env: {}, stored: expired, now })).toEqual({
      url: "http://localhost:8080",
      apiKey: null,
      token: null,
    });
    const valid = { token: "jwt", tokenExpiresAt: "2026-01-02T00:00:00Z" };
    expect(resolveConfig({ flags: {}, env: {}, stored: valid, now }).token).toBe("jwt");
  });

  it("refuses a URL that is not http(s)", () => {
    expect(() => resolveConfig({ flags: { url: "ftp://x" }, env: {}, stored: {}, now })).toThrow(
      /http/,
    );
  });
});

describe("the login file", () => {
  it("lives under XDG_CONFIG_HOME, else ~/.config", () => {
    expect(configPath({ XDG_CONFIG_HOME: "/x" })).toBe("/x/wrenn/config.json");
    expect(configPath({ HOME: "/home/u" })).toBe("/home/u/.config/wrenn/config.json");
    expect(configPath({ HOME: "/home/u", XDG_CONFIG_HOME: "relative" })).toBe(
      "/home/u/.config/wrenn/config.json",
    );
  });

  it("is written with mode 0600 and read back", async () => {
    const path = join(await mkdtemp(join(tmpdir(), "wrenn-cli-")), "wrenn", "config.json");
    await writeStoredConfig(path, { url: "http://a:1", apiKey: "wrn_x" });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(path, "utf8"))).toEqual({
      url: "http://a:1",
      apiKey: "wrn_x",
    });
    expect(await readStoredConfig(path)).toEqual({ url: "http://a:1", apiKey: "wrn_x" });
    expect(await readStoredConfig(`${path}.missing`)).toEqual({});
  });
});
