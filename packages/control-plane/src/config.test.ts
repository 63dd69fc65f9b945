import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

describe("loadConfig", () => {
  it("applies defaults: port 8080, PGlite under WRENN_DIR, generated secrets", () => {
    const config = loadConfig({ WRENN_DIR: "/srv/wrenn" });
    expect(config).toMatchObject({
      dataDir: "/srv/wrenn",
      port: 8080,
      database: { kind: "pglite", dataDir: "/srv/wrenn/db" },
      redisUrl: null,
      jwtSecret: null,
      encryptionKey: null,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("uses PostgreSQL when DATABASE_URL is set", () => {
    const config = loadConfig({ DATABASE_URL: "postgres://u:p@db:5432/wrenn", WRENN_PORT: "9000" });
    expect(config.database).toEqual({ kind: "postgres", url: "postgres://u:p@db:5432/wrenn" });
    expect(config.port).toBe(9000);
  });

  it("lists every problem in one error, without echoing a URL that may hold a password", () => {
    const attempt = () =>
      loadConfig({
        WRENN_DIR: "relative/dir",
        WRENN_PORT: "80a",
        DATABASE_URL: "mysql://u:s3cret@db/x",
        REDIS_URL: "::::s3cret",
        WRENN_JWT_SECRET: "short",
        WRENN_LOG_LEVEL: "loud",
      });
    expect(attempt).toThrow(ConfigError);
    let message = "";
    try {
      attempt();
    } catch (error) {
      message = String(error);
    }
    for (const name of [
      "WRENN_DIR",
      "WRENN_PORT",
      "DATABASE_URL",
      "REDIS_URL",
      "WRENN_JWT_SECRET",
      "WRENN_LOG_LEVEL",
    ]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain("s3cret");
  });
});
