import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import WebSocket from "ws";
import type { SandboxWithTokensView } from "../src/api/sandboxes/schemas.js";
import { type RealServer, startRealServer } from "./helpers/e2b-server.js";

/*
 * The terminal WebSocket and the processes routes (docs/terminal-protocol.md) end to end: the
 * real control plane, its embedded agent and a real sandbox's PTY.
 */

let server: RealServer;
let key: string;
let otherKey: string;
let sandboxId: string;

async function call(method: string, path: string, apiKey = key, body?: unknown) {
  return fetch(`${server.url}${path}`, {
    method,
    headers: {
      "x-api-key": apiKey,
      ...(body !== undefined && { "content-type": "application/json" }),
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  server = await startRealServer();
  key = await server.newTeamKey("terminal");
  otherKey = await server.newTeamKey("terminal-other");
  const res = await call("POST", "/v1/sandboxes", key, { timeoutMs: 300_000 });
  expect(res.status).toBe(202);
  sandboxId = ((await res.json()) as SandboxWithTokensView).id;
  await vi.waitFor(
    async () => {
      const view = (await (await call("GET", `/v1/sandboxes/${sandboxId}`)).json()) as {
        state: string;
      };
      expect(view.state).toBe("running");
    },
    { timeout: 150_000, interval: 200 },
  );
});
afterAll(async () => {
  if (sandboxId) await call("DELETE", `/v1/sandboxes/${sandboxId}`);
  await server?.close();
});

/** A connected terminal: its output as text so far, its control messages, its close. */
class Terminal {
  output = "";
  readonly messages: Array<Record<string, unknown>> = [];
  readonly closed: Promise<number>;

  constructor(readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      const text = Buffer.from(data as Buffer).toString("utf8");
      if (isBinary) this.output += text;
      else this.messages.push(JSON.parse(text) as Record<string, unknown>);
    });
    this.closed = new Promise((resolve) => ws.on("close", (code) => resolve(code)));
  }

  static open(query = "", options: WebSocket.ClientOptions & { protocols?: string[] } = {}) {
    const { protocols, ...rest } = options;
    const url = `${server.url.replace("http", "ws")}/v1/sandboxes/${sandboxId}/pty${query}`;
    const ws = new WebSocket(url, protocols ?? [], { headers: { "x-api-key": key }, ...rest });
    return new Promise<Terminal>((resolve, reject) => {
      const terminal = new Terminal(ws);
      ws.once("open", () => resolve(terminal));
      ws.once("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on("end", () => reject(Object.assign(new Error(body), { status: res.statusCode })));
      });
      ws.once("error", reject);
    });
  }

  type(text: string) {
    this.ws.send(Buffer.from(text), { binary: true });
  }

  async started(): Promise<number> {
    await vi.waitFor(() => expect(this.messages[0]?.type).toBe("started"));
    return this.messages[0]?.pid as number;
  }

  async sees(text: string) {
    await vi.waitFor(() => expect(this.output).toContain(text), { timeout: 10_000 });
  }
}

describe("terminal", () => {
  it("runs an interactive shell: input, output, resize, exit code", async () => {
    const terminal = await Terminal.open("?cols=100&rows=30");
    expect(terminal.ws.protocol).toBe("");
    const pid = await terminal.started();
    expect(pid).toBeGreaterThan(0);
    terminal.type("echo hello-$((6*7)); tty\r");
    await terminal.sees("hello-42");
    await terminal.sees("/dev/pts/");
    terminal.type("stty size\r");
    await terminal.sees("30 100");
    terminal.ws.send(JSON.stringify({ type: "resize", cols: 120, rows: 40 }));
    terminal.ws.send(JSON.stringify({ type: "input", data: "stty size\r" }));
    await terminal.sees("40 120");
    terminal.type("exit 3\r");
    expect(await terminal.closed).toBe(1000);
    expect(terminal.messages.at(-1)).toEqual({ type: "exit", exitCode: 3 });
  });

  it("authenticates a browser by subprotocol and keeps the shell across a reconnect", async () => {
    const url = `${server.url.replace("http", "ws")}/v1/sandboxes/${sandboxId}/pty`;
    const first = new Terminal(new WebSocket(url, ["wrenn.pty.v1", `wrenn.auth.${key}`]));
    await new Promise((resolve) => first.ws.once("open", resolve));
    expect(first.ws.protocol).toBe("wrenn.pty.v1");
    const pid = await first.started();
    first.type("export MARK=kept-$((1+1))\r");
    await first.sees("$ ");
    first.ws.close();
    await first.closed;

    const processes = (await (
      await call("GET", `/v1/sandboxes/${sandboxId}/processes`)
    ).json()) as {
      processes: Array<{ pid: number; cmd: string }>;
    };
    expect(processes.processes).toContainEqual(expect.objectContaining({ pid, cmd: "/bin/bash" }));

    const again = await Terminal.open(`?pid=${pid}`);
    expect(await again.started()).toBe(pid);
    again.type("echo $MARK\r");
    await again.sees("kept-2");
    again.ws.send(JSON.stringify({ type: "kill" }));
    expect(await again.closed).toBe(1000);
    expect(again.messages.at(-1)).toMatchObject({ type: "exit" });
  });

  it("reports a bad message without closing, and stops a process through DELETE", async () => {
    const terminal = await Terminal.open();
    const pid = await terminal.started();
    terminal.ws.send("not json");
    await vi.waitFor(() =>
      expect(terminal.messages.at(-1)).toMatchObject({ type: "error", code: 400 }),
    );
    terminal.type("echo still-$((2*3))\r");
    await terminal.sees("still-6");

    expect(
      (await call("DELETE", `/v1/sandboxes/${sandboxId}/processes/${pid}`, otherKey)).status,
    ).toBe(404);
    expect((await call("DELETE", `/v1/sandboxes/${sandboxId}/processes/${pid}`)).status).toBe(204);
    expect(await terminal.closed).toBe(1000);
    expect(terminal.messages.at(-1)).toMatchObject({ type: "exit" });
  });

  it("refuses with a plain HTTP error before the upgrade", async () => {
    const rejected = (query: string, options: WebSocket.ClientOptions) =>
      Terminal.open(query, options).then(
        () => {
          throw new Error("the upgrade succeeded");
        },
        (error: Error & { status?: number }) => ({
          status: error.status,
          body: JSON.parse(error.message) as { code: number; message: string },
        }),
      );
    const anonymous = await rejected("", { headers: {} });
    expect(anonymous.status).toBe(401);
    const otherTeam = await rejected("", { headers: { "x-api-key": otherKey } });
    expect(otherTeam).toMatchObject({ status: 404, body: { code: 404 } });
    const unknownPid = await rejected("?pid=999999", {});
    expect(unknownPid.status).toBe(404);
    const badSize = await rejected("?cols=0", {});
    expect(badSize.status).toBe(400);
    const wrongKey = await rejected("", {
      headers: {},
      // a well-formed key that does not exist
      protocols: ["wrenn.pty.v1", `wrenn.auth.wrn_${randomBytes(30).toString("hex").slice(0, 40)}`],
    } as WebSocket.ClientOptions);
    expect(wrongKey.status).toBe(401);
  });
});
