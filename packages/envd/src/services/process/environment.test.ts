import { describe, expect, it } from "vitest";
import { buildEnvironment, DEFAULT_PATH } from "./environment.js";

const user = { name: "user", uid: 1000, gid: 1000, home: "/home/user", shell: "/bin/bash" };

describe("buildEnvironment", () => {
  it("starts clean with the user's identity and the sandbox marker", () => {
    expect(buildEnvironment({ user, sandbox: {}, requested: {} })).toEqual({
      PATH: DEFAULT_PATH,
      HOME: "/home/user",
      USER: "user",
      LOGNAME: "user",
      E2B_SANDBOX: "true",
    });
  });

  it("lets sandbox defaults override the base and the request override both", () => {
    const env = buildEnvironment({
      user,
      sandbox: { A: "sandbox", B: "sandbox", PATH: "/opt/bin" },
      requested: { B: "request", C: "request" },
    });
    expect(env).toMatchObject({ A: "sandbox", B: "request", C: "request", PATH: "/opt/bin" });
  });
});
