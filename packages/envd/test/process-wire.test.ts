import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { envelope, parseFrames } from "./helpers/connect-client.js";
import { type SandboxFixture, startSandbox } from "./helpers/sandbox.js";

/** The process service on the wire, as raw Connect JSON, for what no well-behaved client sends. */
describe("process service: raw Connect requests", () => {
  let fx: SandboxFixture;

  beforeAll(async () => {
    fx = await startSandbox();
  });
  afterAll(async () => {
    await fx.stop();
  });

  function post(method: string, body: string | Buffer, contentType = "application/json") {
    return fetch(`${fx.envd.url}/process.Process/${method}`, {
      method: "POST",
      headers: {
        "content-type": contentType,
        "connect-protocol-version": "1",
        "x-access-token": fx.token,
      },
      body,
    });
  }

  async function stream(method: string, body: Buffer) {
    const res = await post(method, body, "application/connect+json");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/connect+json");
    return parseFrames(Buffer.from(await res.arrayBuffer()));
  }

  async function expectHealthy() {
    expect((await fetch(`${fx.envd.url}/health`)).status).toBe(204);
  }

  it("streams start, output, end and the end-of-stream frame in that order", async () => {
    const frames = await stream(
      "Start",
      envelope(JSON.stringify({ process: { cmd: "/bin/echo", args: ["hi"] }, stdin: false })),
    );
    expect(frames.map((f) => f.flags)).toEqual([0, 0, 0, 2]);
    expect(frames[0]?.json).toMatchObject({ event: { start: { pid: expect.any(Number) } } });
    expect(frames[1]?.json).toEqual({
      event: { data: { stdout: Buffer.from("hi\n").toString("base64") } },
    });
    expect(frames[2]?.json).toEqual({ event: { end: { exited: true, status: "exit status 0" } } });
    expect(frames[3]?.json).toEqual({});
  });

  it.each([
    ["SIGNAL_UNSPECIFIED", "SIGNAL_UNSPECIFIED"],
    [2, "2"],
  ])("answers SendSignal with signal %s with 501 unimplemented", async (signal, label) => {
    const res = await post("SendSignal", JSON.stringify({ process: { pid: 1 }, signal }));
    expect(res.status).toBe(501);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      code: "unimplemented",
      message: `signal ${label} is not supported: send SIGNAL_SIGKILL or SIGNAL_SIGTERM`,
    });
  });

  it("answers SendSignal for an unknown pid with 404 not_found", async () => {
    const res = await post(
      "SendSignal",
      JSON.stringify({ process: { pid: 999_999 }, signal: "SIGNAL_SIGKILL" }),
    );
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      code: "not_found",
      message: "process with pid 999999 not found",
    });
  });

  it("rejects a malformed unary JSON body and keeps serving", async () => {
    const res = await post("List", "{not json");
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "invalid_argument" });
    await expectHealthy();
  });

  it("rejects a truncated envelope and a malformed streamed message and keeps serving", async () => {
    const truncated = await stream("Start", Buffer.from([0, 0, 0]));
    expect(truncated).toEqual([
      {
        flags: 2,
        json: { error: { code: "invalid_argument", message: expect.stringContaining("envelope") } },
      },
    ]);
    const garbage = await stream("Start", envelope("{nope"));
    expect(garbage).toEqual([
      { flags: 2, json: { error: expect.objectContaining({ code: "invalid_argument" }) } },
    ]);
    await expectHealthy();
  });

  it.each([
    ["an empty cmd", { process: { cmd: "" } }, "process.cmd is required"],
    [
      "a zero-sized PTY",
      { process: { cmd: "true" }, pty: { size: { cols: 0, rows: 5 } } },
      "pty.size",
    ],
  ])("rejects Start with %s as invalid_argument", async (_name, request, message) => {
    const frames = await stream("Start", envelope(JSON.stringify(request)));
    expect(frames).toEqual([
      {
        flags: 2,
        json: { error: { code: "invalid_argument", message: expect.stringContaining(message) } },
      },
    ]);
  });

  it("rejects Connect without a selector as invalid_argument", async () => {
    const frames = await stream("Connect", envelope(JSON.stringify({ process: {} })));
    expect(frames).toEqual([
      {
        flags: 2,
        json: { error: { code: "invalid_argument", message: expect.stringContaining("selector") } },
      },
    ]);
  });

  it("answers an unknown Basic user with unauthenticated", async () => {
    const res = await fetch(`${fx.envd.url}/process.Process/List`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "connect-protocol-version": "1",
        "x-access-token": fx.token,
        authorization: `Basic ${Buffer.from("nobody-here:").toString("base64")}`,
      },
      body: "{}",
    });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      code: "unauthenticated",
      message: "invalid username: 'nobody-here'",
    });
  });
});
