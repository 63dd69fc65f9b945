import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createPtyConnection, type PtyStatus } from "./pty-connection.js";

/** Just enough of a browser WebSocket to drive the connection by hand. */
class FakeSocket {
  readyState = 0;
  binaryType = "blob";
  sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}
  send(data: unknown) {
    this.sent.push(data);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  started(pid: number) {
    this.onmessage?.({ data: JSON.stringify({ type: "started", pid }) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code, reason: "" });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  const statuses: PtyStatus[] = [];
  const notices: string[] = [];
  const output: Uint8Array[] = [];
  const connection = createPtyConnection({
    url: (query) =>
      `ws://host/pty?${new URLSearchParams(Object.entries(query).flatMap(([k, v]) => (v === undefined ? [] : [[k, String(v)]])))}`,
    credential: () => "jwt-1",
    onOutput: (bytes) => output.push(bytes),
    onStatus: (status) => statuses.push(status),
    onNotice: (text) => notices.push(text),
    size: { cols: 100, rows: 30 },
    createSocket: (url, protocols) => {
      const socket = new FakeSocket(url, protocols);
      sockets.push(socket);
      return socket as unknown as WebSocket;
    },
  });
  const last = () => {
    const socket = sockets.at(-1);
    if (!socket) throw new Error("no socket opened");
    return socket;
  };
  return { connection, sockets, statuses, notices, output, last };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe("createPtyConnection", () => {
  it("offers the protocol and the credential, and sends keystrokes as binary", () => {
    const { connection, last, statuses } = setup();
    connection.start();
    expect(last().protocols).toEqual(["wrenn.pty.v1", "wrenn.auth.jwt-1"]);
    expect(last().url).toBe("ws://host/pty?cols=100&rows=30");
    last().open();
    last().started(42);
    expect(statuses.at(-1)).toEqual({ kind: "connected", pid: 42 });
    connection.send("ls\r");
    expect(last().sent.at(-1)).toEqual(new TextEncoder().encode("ls\r"));
    connection.resize(120, 40);
    expect(last().sent.at(-1)).toBe(JSON.stringify({ type: "resize", cols: 120, rows: 40 }));
  });

  it("reattaches with ?pid= after an unexpected close", () => {
    const { connection, last, sockets, statuses } = setup();
    connection.start();
    last().open();
    last().started(7);
    last().drop();
    expect(statuses.at(-1)?.kind).toBe("reconnecting");
    vi.runOnlyPendingTimers();
    expect(sockets).toHaveLength(2);
    expect(last().url).toContain("pid=7");
  });

  it("starts a new shell when the old one cannot be reattached", () => {
    const { connection, last, notices } = setup();
    connection.start();
    last().open();
    last().started(7);
    last().drop();
    vi.runOnlyPendingTimers();
    last().drop();
    vi.runOnlyPendingTimers();
    last().drop();
    vi.runOnlyPendingTimers();
    expect(notices).toContain("The previous shell is gone; starting a new one.");
    expect(last().url).not.toContain("pid=");
  });

  it("stops on exit and while suspended", () => {
    const { connection, last, sockets, statuses } = setup();
    connection.start();
    last().open();
    last().onmessage?.({ data: JSON.stringify({ type: "exit", exitCode: 3 }) });
    last().drop(1000);
    vi.runOnlyPendingTimers();
    expect(statuses.at(-1)).toEqual({ kind: "exited", exitCode: 3 });
    expect(sockets).toHaveLength(1);

    connection.restart();
    last().open();
    last().started(9);
    connection.suspend();
    vi.runOnlyPendingTimers();
    expect(statuses.at(-1)).toEqual({ kind: "suspended" });
    expect(sockets).toHaveLength(2);
    connection.reconnect();
    expect(last().url).toContain("pid=9");
  });

  it("passes output bytes through", () => {
    const { connection, last, output } = setup();
    connection.start();
    last().open();
    last().onmessage?.({ data: new Uint8Array([104, 105]).buffer });
    expect(output).toEqual([new Uint8Array([104, 105])]);
  });
});

describe("createPtyConnection with a remembered shell", () => {
  it("reattaches to it first and reports the pids it gets", () => {
    const sockets: FakeSocket[] = [];
    const pids: (number | null)[] = [];
    const connection = createPtyConnection({
      url: (query) => `ws://host/pty?pid=${query.pid ?? ""}`,
      credential: () => "jwt-1",
      onOutput: () => undefined,
      onStatus: () => undefined,
      onNotice: () => undefined,
      size: { cols: 80, rows: 24 },
      initialPid: 31,
      onPid: (pid) => pids.push(pid),
      createSocket: (url, protocols) => {
        const socket = new FakeSocket(url, protocols);
        sockets.push(socket);
        return socket as unknown as WebSocket;
      },
    });
    connection.start();
    expect(sockets[0]?.url).toBe("ws://host/pty?pid=31");
    sockets[0]?.open();
    sockets[0]?.started(31);
    connection.restart();
    expect(pids).toEqual([31, null]);
  });
});
