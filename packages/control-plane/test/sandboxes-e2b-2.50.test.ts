import * as sdk from "e2b-2-50";
import { describe, expect, it } from "vitest";
import { type E2bSdk, e2bSdkSuite } from "./helpers/e2b-sdk-suite.js";

// e2b 2.50: the v1 routes, POST /sandboxes (with `secure`) and /sandboxes/{id}/connect. Its
// declarations are a separate copy of the same classes (nominally distinct to TypeScript), and
// every call this suite makes has the same signature in both lines.
e2bSdkSuite("2.50", sdk as unknown as E2bSdk);

// The suite's beforeAll (top level of this file) points the SDK at its server.
describe("e2b 2.50 secure: false", () => {
  it("leaves envd open: the SDK, holding no token, runs commands and moves files", async () => {
    const open = await sdk.Sandbox.create({ secure: false });
    try {
      const info = await fetch(`${process.env.E2B_API_URL}/sandboxes/${open.sandboxId}`, {
        headers: { "x-api-key": String(process.env.E2B_API_KEY) },
      });
      expect((await info.json()) as object).not.toHaveProperty(
        "envdAccessToken",
        expect.any(String),
      );
      expect((await open.commands.run("echo open")).stdout).toBe("open\n");
      await open.files.write("/home/user/open.txt", "no token needed");
      expect(await open.files.read("/home/user/open.txt")).toBe("no token needed");
    } finally {
      await sdk.Sandbox.kill(open.sandboxId);
    }
  });
});
