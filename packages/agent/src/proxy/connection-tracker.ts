import { Pool } from "undici";

/** Something the tracker can end by force: a proxied request's socket, a WebSocket. */
export interface Closable {
  destroy(): void;
}

export interface DrainResult {
  /** Connections that finished on their own within the grace period. */
  finished: number;
  /** Connections still open when the grace period ended, closed by force. */
  forced: number;
}

/**
 * Counts in-flight proxied connections per sandbox so pause can drain them: refuse new ones,
 * wait for the rest up to a grace period, then close what is left. `enable` lets traffic in again.
 * It also keeps each sandbox's keep-alive connections to envd (`upstream`), which a
 * drain or forget closes with the rest: none may outlive the sandbox's slot, whose address the
 * next sandbox in that slot reuses.
 */
export class ConnectionTracker {
  readonly #open = new Map<string, Set<Closable>>();
  readonly #upstream = new Map<string, { origin: string; pool: Pool }>();
  readonly #draining = new Set<string>();
  readonly #waiters = new Map<string, Set<() => void>>();

  /** Registers a connection; returns a release function, or undefined while draining. */
  admit(sandboxId: string, connection: Closable): (() => void) | undefined {
    if (this.#draining.has(sandboxId)) return undefined;
    let set = this.#open.get(sandboxId);
    if (!set) {
      set = new Set();
      this.#open.set(sandboxId, set);
    }
    set.add(connection);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      set.delete(connection);
      if (set.size === 0) {
        this.#open.delete(sandboxId);
        for (const wake of this.#waiters.get(sandboxId) ?? []) wake();
      }
    };
  }

  /**
   * The sandbox's pool of connections to its envd at `origin`: a request reuses one instead of
   * a new TCP handshake.
   */
  upstream(sandboxId: string, origin: string): Pool {
    const kept = this.#upstream.get(sandboxId);
    if (kept?.origin === origin) return kept.pool;
    if (kept) this.#closeUpstream(sandboxId); // moved to another slot
    const pool = new Pool(origin, {
      // Idle sockets close after 60 s, well before envd's own 640 s keep-alive timeout, so a
      // request is never sent on a socket envd is closing.
      keepAliveTimeout: 60_000,
      keepAliveMaxTimeout: 60_000,
      // No deadlines: a command's stream lasts as long as the caller wants, silent or not.
      headersTimeout: 0,
      bodyTimeout: 0,
    });
    this.#upstream.set(sandboxId, { origin, pool });
    return pool;
  }

  #closeUpstream(sandboxId: string): void {
    const kept = this.#upstream.get(sandboxId);
    this.#upstream.delete(sandboxId);
    // Ends requests still in flight too; their callers see the cut connection.
    kept?.pool.destroy().catch(() => {});
  }

  inFlight(sandboxId: string): number {
    return this.#open.get(sandboxId)?.size ?? 0;
  }

  isDraining(sandboxId: string): boolean {
    return this.#draining.has(sandboxId);
  }

  async drain(sandboxId: string, graceMs: number): Promise<DrainResult> {
    this.#draining.add(sandboxId);
    const before = this.inFlight(sandboxId);
    if (before > 0) {
      await new Promise<void>((resolve) => {
        const waiters = this.#waiters.get(sandboxId) ?? new Set();
        this.#waiters.set(sandboxId, waiters);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, graceMs);
        waiters.add(done);
      });
    }
    const left = [...(this.#open.get(sandboxId) ?? [])];
    for (const connection of left) connection.destroy();
    this.#open.delete(sandboxId);
    this.#closeUpstream(sandboxId);
    return { finished: before - left.length, forced: left.length };
  }

  enable(sandboxId: string): void {
    this.#draining.delete(sandboxId);
  }

  /** The sandbox is gone: close everything and forget it. */
  forget(sandboxId: string): void {
    for (const connection of this.#open.get(sandboxId) ?? []) connection.destroy();
    this.#open.delete(sandboxId);
    this.#draining.delete(sandboxId);
    this.#closeUpstream(sandboxId);
  }
}
