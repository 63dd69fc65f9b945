/*
 * One terminal session over the WebSocket of docs/terminal-protocol.md, reconnecting on its
 * own: a socket that drops is reopened with `?pid=` so the same shell carries on; a shell that
 * cannot be found again is replaced by a new one; `suspend` holds off while the sandbox is not
 * running (a paused sandbox has no envd to talk to).
 */

export type PtyStatus =
  | { kind: "connecting" }
  | { kind: "connected"; pid: number }
  | { kind: "reconnecting"; attempt: number; reason: string }
  | { kind: "suspended" }
  | { kind: "exited"; exitCode: number }
  | { kind: "failed"; reason: string };

export interface PtyConnectionOptions {
  /** ws(s):// URL of the route with this query. */
  url: (query: Record<string, string | number | undefined>) => string;
  /** The credential sent as a subprotocol (browsers cannot set headers on a WebSocket). */
  credential: () => string | null;
  onOutput: (bytes: Uint8Array) => void;
  onStatus: (status: PtyStatus) => void;
  /** A notice to print in the terminal itself (a new shell replaced a lost one, an error). */
  onNotice: (text: string) => void;
  size: { cols: number; rows: number };
  /** A shell started earlier (another visit to the page) to reattach to first. */
  initialPid?: number | null;
  /** The shell this connection is attached to, or null once it is gone; to remember it. */
  onPid?: (pid: number | null) => void;
  /** Injectable for tests. */
  createSocket?: (url: string, protocols: string[]) => WebSocket;
}

export interface PtyConnection {
  start(): void;
  send(data: string): void;
  resize(cols: number, rows: number): void;
  /** Reconnect now (after `failed`), keeping the shell if it still exists. */
  reconnect(): void;
  /** Start a new shell (after `exited`, or on request). */
  restart(): void;
  suspend(): void;
  kill(): void;
  close(): void;
}

// WebSocket.OPEN and friends, as numbers: the class is not a global in every runtime (Node 20).
const OPEN = 1;
const PROTOCOL = "wrenn.pty.v1";
const AUTH_PREFIX = "wrenn.auth.";
/** Opens in a row that never saw `started`: after this many the old shell is taken as gone. */
const FAILURES_BEFORE_NEW_SHELL = 2;
const FAILURES_BEFORE_GIVING_UP = 8;
const MAX_BACKOFF_MS = 5000;

interface ServerMessage {
  type: string;
  pid?: unknown;
  exitCode?: unknown;
  message?: unknown;
}

function parseMessage(text: string): ServerMessage | null {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && "type" in value) {
      return value as ServerMessage;
    }
  } catch {
    // A text frame that is not JSON breaks the protocol; it is reported below as unknown.
  }
  return null;
}

export function createPtyConnection(options: PtyConnectionOptions): PtyConnection {
  const encoder = new TextEncoder();
  const createSocket = options.createSocket ?? ((url, protocols) => new WebSocket(url, protocols));
  let socket: WebSocket | null = null;
  let pid: number | null = options.initialPid ?? null;
  let size = { ...options.size };
  let failures = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  /** Why sockets are not reopened: null while the session should be connected. */
  let halted: "closed" | "suspended" | "exited" | "failed" | null = null;

  function clearRetry() {
    if (retryTimer !== null) clearTimeout(retryTimer);
    retryTimer = null;
  }

  function drop() {
    clearRetry();
    const old = socket;
    socket = null;
    if (old && old.readyState <= OPEN) old.close(1000, "client closed");
  }

  function open() {
    clearRetry();
    const credential = options.credential();
    if (!credential) {
      halted = "failed";
      options.onStatus({ kind: "failed", reason: "You are signed out." });
      return;
    }
    let started = false;
    const ws = createSocket(
      options.url({ cols: size.cols, rows: size.rows, pid: pid ?? undefined }),
      [PROTOCOL, AUTH_PREFIX + credential],
    );
    ws.binaryType = "arraybuffer";
    socket = ws;

    ws.onmessage = (event: MessageEvent) => {
      if (socket !== ws) return;
      if (event.data instanceof ArrayBuffer) {
        options.onOutput(new Uint8Array(event.data));
        return;
      }
      const message = parseMessage(String(event.data));
      if (message?.type === "started" && typeof message.pid === "number") {
        started = true;
        failures = 0;
        pid = message.pid;
        options.onPid?.(pid);
        options.onStatus({ kind: "connected", pid: message.pid });
      } else if (message?.type === "exit") {
        halted = "exited";
        pid = null;
        options.onPid?.(null);
        const exitCode = typeof message.exitCode === "number" ? message.exitCode : -1;
        options.onStatus({ kind: "exited", exitCode });
      } else if (message?.type === "error") {
        options.onNotice(typeof message.message === "string" ? message.message : "terminal error");
      }
    };

    ws.onclose = (event: CloseEvent) => {
      if (socket !== ws) return;
      socket = null;
      if (halted) return;
      if (!started) failures += 1;
      if (failures >= FAILURES_BEFORE_GIVING_UP) {
        halted = "failed";
        options.onStatus({
          kind: "failed",
          reason: event.reason || "The terminal could not connect.",
        });
        return;
      }
      if (!started && pid !== null && failures >= FAILURES_BEFORE_NEW_SHELL) {
        pid = null;
        options.onPid?.(null);
        options.onNotice("The previous shell is gone; starting a new one.");
      }
      const delayMs = Math.min(MAX_BACKOFF_MS, 250 * 2 ** failures);
      options.onStatus({
        kind: "reconnecting",
        attempt: failures + 1,
        reason: event.reason || `connection closed (${event.code})`,
      });
      retryTimer = setTimeout(open, delayMs);
    };

    ws.onopen = () => {
      // The URL carried the size, but the window may have changed while connecting.
      if (socket === ws) ws.send(JSON.stringify({ type: "resize", ...size }));
    };
  }

  function sendJson(message: object) {
    if (socket?.readyState === OPEN) socket.send(JSON.stringify(message));
  }

  return {
    start() {
      halted = null;
      options.onStatus({ kind: "connecting" });
      open();
    },
    send(data) {
      if (socket?.readyState === OPEN) socket.send(encoder.encode(data));
    },
    resize(cols, rows) {
      if (cols === size.cols && rows === size.rows) return;
      size = { cols, rows };
      sendJson({ type: "resize", cols, rows });
    },
    reconnect() {
      drop();
      halted = null;
      failures = 0;
      options.onStatus({ kind: "connecting" });
      open();
    },
    restart() {
      sendJson({ type: "kill" });
      drop();
      pid = null;
      options.onPid?.(null);
      halted = null;
      failures = 0;
      options.onStatus({ kind: "connecting" });
      open();
    },
    suspend() {
      if (halted === "closed" || halted === "exited") return;
      halted = "suspended";
      drop();
      options.onStatus({ kind: "suspended" });
    },
    kill() {
      sendJson({ type: "kill" });
    },
    close() {
      halted = "closed";
      drop();
    },
  };
}
