import { describe, expect, it } from "vitest";
import { toCreateInput } from "./create-sandbox.js";

describe("toCreateInput", () => {
  it("maps E2B's fields to the service's, seconds to milliseconds", () => {
    expect(
      toCreateInput(
        {
          templateID: "base",
          timeout: 120,
          metadata: { user: "u1" },
          envVars: { FOO: "bar" },
          allow_internet_access: false,
          autoPause: true,
          network: { allowOut: ["8.8.8.8", "10.0.0.0/8", "::1"], allowPublicTraffic: false },
        },
        true,
      ),
    ).toEqual({
      template: "base",
      timeoutMs: 120_000,
      metadata: { user: "u1" },
      envVars: { FOO: "bar" },
      allowInternetAccess: false,
      autoPause: true,
      allowOut: ["8.8.8.8/32", "10.0.0.0/8", "::1/128"],
      allowPublicTraffic: false,
      secure: true,
    });
  });

  it("leaves defaults to the service (2.51 omits the timeout)", () => {
    expect(toCreateInput({ templateID: "base" }, true)).toEqual({ template: "base", secure: true });
    expect(toCreateInput({ templateID: "base" }, false).secure).toBe(false);
  });

  it("accepts the empty forms the SDK sends and refuses what it cannot do", () => {
    expect(() =>
      toCreateInput({ templateID: "b", mcp: null, volumeMounts: [], network: {} }, true),
    ).not.toThrow();
    expect(
      toCreateInput({ templateID: "b", autoPause: true, autoResume: { enabled: true } }, true),
    ).toMatchObject({ autoPause: true, autoResume: true });
    expect(() => toCreateInput({ templateID: "b", autoPauseMemory: false }, true)).toThrow(
      /autoPauseMemory/,
    );
    expect(() => toCreateInput({ templateID: "b", network: { httpsPorts: [443] } }, true)).toThrow(
      /httpsPorts/,
    );
  });
});
