import net from "node:net";
import type { Logger } from "../log.js";
import type { LoopbackListeners } from "./scanner.js";

export interface ForwarderDeps {
  readonly log: Logger;
  /** How long a port whose bind failed waits before one more attempt (30 s by default). */
  readonly refusedRetryMs?: number;
  readonly now?: () => number;
}

/** One port re-exposed on the forward address. */
interface Forward {
  readonly port: number;
  readonly target: "127.0.0.1" | "::1";
  readonly server: net.Server;
  /** Both ends of every relayed connection, so closing the forward can cut them. */
  readonly sockets: Set<net.Socket>;
}

/**
 * Keeps one TCP server per loopback listener, bound on the forward address at the same port
 * and piping each connection to the listener. `reconcile` is driven by the scan loop and must
 * not be called concurrently with itself or `closeAll`.
 */
export function createForwarder(deps: ForwarderDeps) {
  const { log } = deps;
  const now = deps.now ?? Date.now;
  const refusedRetryMs = deps.refusedRetryMs ?? 30_000;
  const forwards = new Map<number, Forward>();
  // A failed bind (EADDRINUSE: the program also listens on the forward address or on a
  // wildcard; EADDRNOTAVAIL) is remembered so it is neither retried nor logged every tick.
  const refusals = new Map<number, { code: string; atMs: number }>();
  let bindAddress: string | undefined;

  async function reconcile(address: string | undefined, listeners: LoopbackListeners) {
    if (address !== bindAddress) {
      await closeAll();
      bindAddress = address;
    }
    const stale = [...forwards.values()].filter((f) => listeners.get(f.port) !== f.target);
    await Promise.all(stale.map((f) => close(f, "listener gone")));
    for (const port of [...refusals.keys()]) if (!listeners.has(port)) refusals.delete(port);
    if (address === undefined) return;
    for (const [port, target] of listeners) {
      if (forwards.has(port)) continue;
      const refusal = refusals.get(port);
      if (refusal !== undefined && now() - refusal.atMs < refusedRetryMs) continue;
      await open(address, port, target);
    }
  }

  async function open(address: string, port: number, target: Forward["target"]) {
    const forward: Forward = {
      port,
      target,
      server: net.createServer({ allowHalfOpen: true, noDelay: true }),
      sockets: new Set(),
    };
    forward.server.on("connection", (client) => relay(forward, client));
    try {
      await listen(forward.server, port, address);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      const previous = refusals.get(port);
      refusals.set(port, { code, atMs: now() });
      if (previous?.code !== code) log.warn({ port, address, code }, "cannot forward port");
      return;
    }
    // After listening, errors are per accept (EMFILE): the forward stays, the error is logged.
    forward.server.on("error", (error) => log.warn({ err: error, port }, "forward server error"));
    refusals.delete(port);
    forwards.set(port, forward);
    log.info({ port, address, target }, "forwarding port");
  }

  function relay(forward: Forward, client: net.Socket): void {
    const upstream = net.connect({
      host: forward.target,
      port: forward.port,
      allowHalfOpen: true,
      noDelay: true,
    });
    for (const socket of [client, upstream]) {
      forward.sockets.add(socket);
      socket.once("close", () => forward.sockets.delete(socket));
    }
    client.on("error", (error) => {
      log.debug({ err: error, port: forward.port }, "forwarded client connection failed");
      upstream.destroy();
    });
    upstream.on("error", (error) => {
      log.debug({ err: error, port: forward.port }, "forward target connection failed");
      // A reset, not a clean end, tells the client the port is not really there.
      if (!client.destroyed) client.resetAndDestroy();
    });
    // pipe() ends the other side on end, so half-closes travel through in both directions.
    client.pipe(upstream);
    upstream.pipe(client);
  }

  async function close(forward: Forward, reason: string): Promise<void> {
    forwards.delete(forward.port);
    const serverClosed = new Promise<void>((resolve) => {
      forward.server.close((error) => {
        if (error) log.warn({ err: error, port: forward.port }, "forward server already closed");
        resolve();
      });
    });
    await Promise.all([serverClosed, ...[...forward.sockets].map(destroyAndWait)]);
    log.info({ port: forward.port, reason }, "stopped forwarding port");
  }

  /** Closes every forward and its connections; resolves when all sockets are closed. */
  async function closeAll(): Promise<void> {
    refusals.clear();
    await Promise.all([...forwards.values()].map((f) => close(f, "forwarding stopped")));
  }

  return {
    reconcile,
    closeAll,
    /** Ports forwarded right now. */
    forwardedPorts: (): number[] => [...forwards.keys()],
  };
}

export type Forwarder = ReturnType<typeof createForwarder>;

function listen(server: net.Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, host }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function destroyAndWait(socket: net.Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once("close", () => resolve());
    socket.destroy();
  });
}
