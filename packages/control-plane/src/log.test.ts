import { describe, expect, it } from "vitest";
import { createLogger, redactUrl } from "./log.js";

describe("logger", () => {
  it("redacts credentials wherever they appear in a log record", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", destination: { write: (l) => lines.push(l) } });
    log.info({
      req: { headers: { authorization: "Bearer abc", "x-api-key": "wrn_zzz" } },
      body: { password: "hunter2", token: "t0k" },
      config: { jwtSecret: "jjj", database: { url: "postgres://u:pw@h/db" } },
    });
    const out = lines.join("");
    for (const secret of ["abc", "wrn_zzz", "hunter2", "t0k", "jjj", "pw@h"])
      expect(out).not.toContain(secret);
  });

  it("redacts secret query parameters and keeps the rest", () => {
    expect(redactUrl("/files?path=/a&signature=xyz&token=t")).toBe(
      "/files?path=%2Fa&signature=%5BRedacted%5D&token=%5BRedacted%5D",
    );
    expect(redactUrl("/v1/keys")).toBe("/v1/keys");
  });
});
