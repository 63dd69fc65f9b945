import type { IncomingMessage } from "node:http";
import WebSocket, { type RawData } from "ws";
import type { ApiClient } from "./api-client.js";
import { apiError, CliError, EXIT, usageError } from "./errors.js";

export interface ShellOptions {
  readonly api: ApiClient;
  readonly sandboxId: string;
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly user?: string;
  readonly cwd?: string;
  /** Reattach to a terminal started earlier instead of starting a shell. */
  readonly pid?: number;
}

/** What the server says in text frames (docs/terminal-protocol.md). */
type ServerMessage =
  | { type: "started"; pid: number }
  | { type: "exit"; exitCode: number }
  | { type: "error"; code: number; error_code: string; message: string };

function parseServerMessage(data: RawData): ServerMessage | null {
  try {
    const value: unknown = JSON.parse(data.toString());
    if (typeof value === "object" && value !== null && "type" in value) {
      return value as ServerMessage;
    }
  } catch {
    // Not JSON: ignored like any unknown frame, so a newer server cannot break the client.
  }
  return null;
}

function rawDataToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
}

/** A refused upgrade is a plain HTTP answer with the API's JSON error body. */
async function refusal(response: IncomingMessage): Promise<CliError> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  let body: unknown = null;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    body = null;
  }
  return apiError(response.statusCode ?? 500, body);
}

/**
 * An interactive shell in a sandbox over the PTY WebSocket: the local terminal in raw mode
 * (so Ctrl-C, arrows and tab reach the remote shell), resized with the window, and restored
 * whatever happens. Resolves with the shell's exit code.
 */
export function runShell(options: ShellOptions): Promise<number> {
  const { stdin, stdout } = options;
  if (!stdin.isTTY) {
    return Promise.reject(
      usageError("shell needs a terminal on stdin; use `wrenn sandbox exec` for scripts"),
    );
  }
  const size = () => ({ cols: stdout.columns || 80, rows: stdout.rows || 24 });
  const { url, headers } = options.api.webSocket(
    `/v1/sandboxes/${encodeURIComponent(options.sandboxId)}/pty`,
    { ...size(), user: options.user, cwd: options.cwd, pid: options.pid },
  );

  return new Promise<number>((resolve, reject) => {
    const socket = new WebSocket(url, { headers });
    let exitCode: number | null = null;
    let failure: CliError | null = null;
    let rawMode = false;

    const onInput = (chunk: Buffer) => socket.send(chunk, { binary: true });
    const onResize = () => socket.send(JSON.stringify({ type: "resize", ...size() }));
    const restore = () => {
      stdin.off("data", onInput);
      stdout.off("resize", onResize);
      if (rawMode) stdin.setRawMode(false);
      rawMode = false;
      stdin.pause();
    };

    socket.on("unexpected-response", (request, response) => {
      // The body (the API's JSON error) is read first; only then is the request dropped.
      refusal(response)
        .then(reject, reject)
        .finally(() => request.destroy());
    });
    socket.on("error", (error) => {
      restore();
      reject(
        new CliError(`terminal connection failed: ${error.message}`, {
          exitCode: EXIT.failure,
          cause: error,
        }),
      );
    });
    socket.on("open", () => {
      stdin.setRawMode(true);
      rawMode = true;
      stdin.resume();
      stdin.on("data", onInput);
      // Node emits 'resize' on a TTY stdout when SIGWINCH arrives.
      stdout.on("resize", onResize);
    });
    socket.on("message", (data, isBinary) => {
      if (isBinary) {
        stdout.write(rawDataToBuffer(data));
        return;
      }
      const message = parseServerMessage(data);
      if (message?.type === "exit") exitCode = message.exitCode;
      else if (message?.type === "error") failure = apiError(message.code, message);
    });
    socket.on("close", (code) => {
      restore();
      if (exitCode !== null) resolve(exitCode);
      else if (failure) reject(failure);
      else {
        reject(
          new CliError(`the terminal closed before the shell exited (WebSocket code ${code})`, {
            exitCode: EXIT.failure,
          }),
        );
      }
    });
  });
}
