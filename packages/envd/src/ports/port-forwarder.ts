import { networkInterfaces } from "node:os";
import type { EnvdConfig } from "../config.js";
import type { Logger } from "../log.js";
import { pickForwardAddress } from "./forward-address.js";
import { createForwarder, type Forwarder } from "./forwarder.js";
import { procScanSource, type ScanSource, scanLoopbackListeners } from "./scanner.js";

export interface PortForwarderDeps {
  readonly config: Pick<EnvdConfig, "forwardAddress" | "portScanIntervalMs" | "portForwarding">;
  readonly log: Logger;
  /** Where listeners are read from; the real /proc unless a test says otherwise. */
  readonly source?: ScanSource;
  readonly interfaces?: typeof networkInterfaces;
}

export interface PortForwarder {
  /** Starts scanning and forwarding; does nothing while running or when disabled by config. */
  start(): void;
  /** Stops the loop and closes every forward, socket and timer; resolves when all are closed. */
  stop(): Promise<void>;
}

/**
 * Re-exposes programs that listen on the sandbox's loopback on its forward address, as E2B's
 * envd does, so the host can reach them. Restartable: /snapshot/prepare stops it so CRIU has
 * no listening sockets of ours to dump, and /init starts it again after a resume.
 */
export function createPortForwarder(deps: PortForwarderDeps): PortForwarder {
  const { config, log } = deps;
  const source = deps.source ?? procScanSource;
  const interfaces = deps.interfaces ?? networkInterfaces;
  let current: { controller: AbortController; done: Promise<void> } | undefined;
  // Settles once every earlier run has closed its sockets; a new run waits for it, or its
  // binds would race the old servers' close and be refused with EADDRINUSE.
  let previousClosed: Promise<void> = Promise.resolve();

  function start(): void {
    if (!config.portForwarding || current !== undefined) return;
    const controller = new AbortController();
    const done = run(previousClosed, controller.signal).catch((error: unknown) => {
      log.error({ err: error }, "port forwarding failed");
    });
    current = { controller, done };
  }

  async function stop(): Promise<void> {
    const run = current;
    current = undefined;
    if (run !== undefined) {
      run.controller.abort();
      previousClosed = run.done;
    }
    await previousClosed;
  }

  async function run(after: Promise<void>, signal: AbortSignal): Promise<void> {
    await after;
    if (signal.aborted) return;
    const forwarder = createForwarder({ log });
    const loop = createLoopState(log);
    log.info({ intervalMs: config.portScanIntervalMs }, "port forwarding started");
    try {
      while (!signal.aborted) {
        await tick(forwarder, loop, signal);
        await pause(config.portScanIntervalMs, signal);
      }
    } finally {
      await forwarder.closeAll();
      log.info("port forwarding stopped");
    }
  }

  async function tick(forwarder: Forwarder, loop: LoopState, signal: AbortSignal) {
    try {
      const address = pickForwardAddress(config.forwardAddress, interfaces());
      loop.noteAddress(address);
      const listeners = await scanLoopbackListeners(source, signal);
      if (signal.aborted) return;
      await forwarder.reconcile(address, listeners);
      loop.noteSuccess();
    } catch (error) {
      if (signal.aborted) return;
      loop.noteFailure(error);
    }
  }

  return { start, stop };
}

interface LoopState {
  noteAddress(address: string | undefined): void;
  noteSuccess(): void;
  noteFailure(error: unknown): void;
}

/** Logs changes only: a scan failing every tick, or no address for hours, is one line. */
function createLoopState(log: Logger): LoopState {
  let lastAddress: string | null | undefined = null;
  let lastFailure: string | undefined;
  return {
    noteAddress(address) {
      if (address === lastAddress) return;
      if (address === undefined) log.info("port forwarding idle: no non-internal IPv4 address");
      else log.info({ address }, "port forwarding address");
      lastAddress = address;
    },
    noteSuccess() {
      lastFailure = undefined;
    },
    noteFailure(error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== lastFailure) log.warn({ err: error }, "port scan failed");
      lastFailure = message;
    },
  };
}

/** Waits `ms`, or less when aborted; leaves no timer or listener behind either way. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
