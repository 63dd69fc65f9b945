import net from "node:net";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { createForwarder, type Forwarder } from "./forwarder.js";

// Every 127.0.0.0/8 address is local on Linux, so 127.0.0.2 stands in for the sandbox's
// non-loopback forward address without needing a network namespace.
const FORWARD_ADDRESS = "127.0.0.2";

function captureLog() {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: "debug" },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { log, lines, messages: (msg: string) => lines.filter((l) => l.msg === msg) };
}

/** A loopback server answering `reply:<everything the client sent>` once the client ends. */
async function startTarget(reply = "pong"): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => socket.end(`${reply}:${Buffer.concat(chunks).toString()}`));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Connects, sends `message`, half-closes, and resolves with everything received. */
function exchange(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: FORWARD_ADDRESS, port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      socket.end();
      resolve(Buffer.concat(chunks).toString());
    });
    socket.end(message);
  });
}

function connectError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: FORWARD_ADDRESS, port });
    socket.on("connect", () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

describe("createForwarder", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function forwarder(
    options: { now?: () => number } = {},
  ): Forwarder & ReturnType<typeof captureLog> {
    const captured = captureLog();
    const f = createForwarder({ log: captured.log, refusedRetryMs: 1_000, ...options });
    cleanups.push(() => f.closeAll());
    return Object.assign(f, captured);
  }

  async function target(reply?: string) {
    const t = await startTarget(reply);
    cleanups.push(() => t.close());
    return t;
  }

  it("relays a connection to the loopback listener, half-close included", async () => {
    const t = await target();
    const f = forwarder();
    await f.reconcile(FORWARD_ADDRESS, new Map([[t.port, "127.0.0.1"]]));
    expect(f.forwardedPorts()).toEqual([t.port]);
    expect(await exchange(t.port, "ping")).toBe("pong:ping");
    expect(f.messages("forwarding port")).toHaveLength(1);
  });

  it("keeps a forward across ticks and closes it with its connections when the listener goes", async () => {
    const t = await target();
    const f = forwarder();
    const listeners = new Map([[t.port, "127.0.0.1" as const]]);
    await f.reconcile(FORWARD_ADDRESS, listeners);
    await f.reconcile(FORWARD_ADDRESS, listeners);
    expect(f.messages("forwarding port")).toHaveLength(1);

    const live = net.connect({ host: FORWARD_ADDRESS, port: t.port });
    await new Promise((resolve) => live.once("connect", resolve));
    const liveClosed = new Promise((resolve) => live.once("close", resolve));
    live.on("error", () => live.destroy());

    await f.reconcile(FORWARD_ADDRESS, new Map());
    await liveClosed;
    expect(f.forwardedPorts()).toEqual([]);
    expect(await connectError(t.port)).toBe("ECONNREFUSED");
    expect(f.messages("stopped forwarding port")).toMatchObject([{ reason: "listener gone" }]);
  });

  it("remembers a refused bind instead of retrying and logging every tick", async () => {
    let nowMs = 0;
    const t = await target();
    const squatter = net.createServer();
    await new Promise<void>((resolve) => squatter.listen(t.port, FORWARD_ADDRESS, resolve));
    const f = forwarder({ now: () => nowMs });
    const listeners = new Map([[t.port, "127.0.0.1" as const]]);

    await f.reconcile(FORWARD_ADDRESS, listeners);
    nowMs += 500;
    await f.reconcile(FORWARD_ADDRESS, listeners);
    expect(f.messages("cannot forward port")).toMatchObject([{ port: t.port, code: "EADDRINUSE" }]);
    expect(f.forwardedPorts()).toEqual([]);

    await new Promise<void>((resolve) => squatter.close(() => resolve()));
    await f.reconcile(FORWARD_ADDRESS, listeners);
    expect(f.forwardedPorts()).toEqual([]);
    nowMs += 1_000;
    await f.reconcile(FORWARD_ADDRESS, listeners);
    expect(f.forwardedPorts()).toEqual([t.port]);
    expect(f.messages("cannot forward port")).toHaveLength(1);
  });

  it("resets the client when the listener is gone before the scan notices", async () => {
    const t = await target();
    const f = forwarder();
    await f.reconcile(FORWARD_ADDRESS, new Map([[t.port, "127.0.0.1"]]));
    await t.close();
    await expect(exchange(t.port, "ping")).rejects.toMatchObject({ code: "ECONNRESET" });
  });

  it("moves every forward when the forward address changes, and closes them when it goes", async () => {
    const t = await target();
    const f = forwarder();
    const listeners = new Map([[t.port, "127.0.0.1" as const]]);
    await f.reconcile(FORWARD_ADDRESS, listeners);
    await f.reconcile("127.0.0.3", listeners);
    expect(await connectError(t.port)).toBe("ECONNREFUSED");
    expect(f.forwardedPorts()).toEqual([t.port]);
    await f.reconcile(undefined, listeners);
    expect(f.forwardedPorts()).toEqual([]);
  });
});
