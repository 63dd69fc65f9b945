import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey } from "./helpers/api.js";
import { bearer, expectError, type Harness, startControlPlane } from "./helpers/control-plane.js";

const PER_MINUTE = 5;
const AUTH_PER_MINUTE = 3;

let h: Harness;
beforeAll(async () => {
  h = await startControlPlane({
    env: {
      WRENN_RATE_LIMIT_PER_MINUTE: String(PER_MINUTE),
      WRENN_AUTH_RATE_LIMIT_PER_MINUTE: String(AUTH_PER_MINUTE),
    },
  });
});
afterAll(async () => {
  await h?.close();
});

describe("rate limits", () => {
  it("answer 429 with an integer Retry-After per API key, each key with its own budget", async () => {
    const user = await h.signup("limited");
    const first = await createKey(h, user, "first");
    const second = await createKey(h, user, "second");
    const call = (key: string) =>
      h.inject({ method: "GET", url: "/v1/keys", headers: { "x-api-key": key } });

    for (let i = 0; i < PER_MINUTE; i++) expect((await call(first.key)).statusCode).toBe(200);
    const limited = await call(first.key);
    expect(expectError(limited, 429).error_code).toBe("exhausted");
    // The e2b SDK (2.51) retries a 429 only when Retry-After is a whole number of seconds.
    const retryAfter = String(limited.headers["retry-after"]);
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);

    expect((await call(second.key)).statusCode).toBe(200);
  });

  it("limit a user's session requests too", async () => {
    const user = await h.signup("session");
    let status = 200;
    for (let i = 0; i <= PER_MINUTE && status === 200; i++) {
      status = (await h.inject({ method: "GET", url: "/v1/me", headers: bearer(user) })).statusCode;
    }
    expect(status).toBe(429);
  });

  it("limit login attempts per address", async () => {
    const attempt = () =>
      h.inject({
        method: "POST",
        url: "/v1/auth/login",
        remoteAddress: "203.0.113.9",
        payload: { email: "guess@example.com", password: "guess" },
      });
    for (let i = 0; i < AUTH_PER_MINUTE; i++) expectError(await attempt(), 401);
    expectError(await attempt(), 429);
  });

  it("never limit /health", async () => {
    for (let i = 0; i <= PER_MINUTE; i++) {
      expect((await h.inject({ method: "GET", url: "/health" })).statusCode).toBe(200);
    }
  });
});
