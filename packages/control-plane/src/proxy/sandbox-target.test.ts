import { describe, expect, it } from "vitest";
import { hostName, parseSandboxTarget } from "./sandbox-target.js";

const ID = "cl-0123456789abcdefghijklmno";
const headers = (id = ID, port = "49983") => ({ "e2b-sandbox-id": id, "e2b-sandbox-port": port });

describe("parseSandboxTarget", () => {
  it("splits {port}-{sandboxId} at the first dash only (Wrenn ids contain one)", () => {
    expect(parseSandboxTarget({ host: `8000-${ID}.localhost:3000` }, null)).toEqual({
      port: 8000,
      sandboxId: ID,
    });
    expect(
      parseSandboxTarget({ host: `49983-${ID}.wrenn.example.com` }, "wrenn.example.com"),
    ).toEqual({ port: 49983, sandboxId: ID });
  });

  it("takes only the configured domain or localhost once a domain is set", () => {
    expect(parseSandboxTarget({ host: `8000-${ID}.elsewhere.org` }, "wrenn.example.com")).toBe(
      null,
    );
    expect(parseSandboxTarget({ host: `8000-${ID}.localhost` }, "wrenn.example.com")).toEqual({
      port: 8000,
      sandboxId: ID,
    });
  });

  it("reads the E2B headers on localhost, IP literals and sandbox.{domain}", () => {
    for (const host of ["localhost:8080", "127.0.0.1:8080", "[::1]:8080", "sandbox.w.io"]) {
      expect(parseSandboxTarget({ host, ...headers() }, "w.io"), host).toEqual({
        port: 49983,
        sandboxId: ID,
      });
    }
  });

  it("reads the headers on any other host too (a LAN name as E2B_SANDBOX_URL)", () => {
    expect(parseSandboxTarget({ host: "api.w.io", ...headers() }, "w.io")?.sandboxId).toBe(ID);
    expect(parseSandboxTarget({ host: "myserver:8080", ...headers() }, null)?.port).toBe(49983);
  });

  it("is an API request without both headers or with an ordinary host", () => {
    expect(parseSandboxTarget({ host: "localhost:8080" }, null)).toBe(null);
    expect(parseSandboxTarget({ host: "localhost", "e2b-sandbox-id": ID }, null)).toBe(null);
    expect(parseSandboxTarget({ host: "api.localhost" }, null)).toBe(null);
    expect(parseSandboxTarget({}, null)).toBe(null);
  });

  it("keeps a garbage port as NaN so the proxy can answer 400", () => {
    expect(parseSandboxTarget({ host: "localhost", ...headers(ID, "http") }, null)?.port).toBe(
      Number.NaN,
    );
  });

  it("keeps an unknown id as sent (the proxy answers 502 for it)", () => {
    expect(parseSandboxTarget({ host: "3000-nosuchbox.localhost" }, null)).toEqual({
      port: 3000,
      sandboxId: "nosuchbox",
    });
  });
});

describe("hostName", () => {
  it("drops the port and brackets and lowercases", () => {
    expect(hostName("Example.COM:8080")).toBe("example.com");
    expect(hostName("[::1]:80")).toBe("::1");
    expect(hostName("10.0.0.1")).toBe("10.0.0.1");
  });
});
