import { spawn } from "node:child_process";

export interface ExecOptions {
  signal?: AbortSignal;
  /** Bytes written to stdin, then closed. */
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Exit codes that are not failures (e.g. 1 for "rule not found" probes). */
  okCodes?: readonly number[];
  /**
   * Give the command /dev/null for stdout and stderr. Needed for `runc run -d`: the container
   * inherits runc's stdio, so pipes would stay open as long as the sandbox lives.
   */
  detachOutput?: boolean;
  /** Each stderr line as it comes (long scripts report progress there). */
  onStderrLine?: (line: string) => void;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CommandError extends Error {
  override readonly name = "CommandError";
  constructor(
    readonly argv: readonly string[],
    readonly code: number | null,
    readonly stderr: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${argv.join(" ")} failed (${code === null ? "killed" : `exit ${code}`}): ${tail(stderr)}`,
      options,
    );
  }
}

/**
 * Runs a host command (runc, ip, iptables, mount, scripts/host/…): argv arrays only, never a
 * shell string. A failure throws with the command and the tail of its stderr. An abort sends
 * SIGTERM and waits for the command to exit: the host scripts clean up on TERM, and a retry
 * must not race that cleanup.
 */
export function exec(argv: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error("exec: empty argv");
  options.signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: options.env ?? { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
      cwd: options.cwd,
      stdio: [
        options.input === undefined ? "ignore" : "pipe",
        options.detachOutput ? "ignore" : "pipe",
        options.detachOutput ? "ignore" : "pipe",
      ],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const lines = options.onStderrLine ? lineSplitter(options.onStderrLine) : undefined;
    child.stdout?.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => {
      err.push(chunk);
      lines?.push(chunk);
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    const abort = () => child.kill("SIGTERM");
    options.signal?.addEventListener("abort", abort, { once: true });
    child.once("error", (error) => {
      options.signal?.removeEventListener("abort", abort);
      reject(new CommandError(argv, null, error.message, { cause: error }));
    });
    child.once("close", (code) => {
      options.signal?.removeEventListener("abort", abort);
      lines?.end();
      const result = {
        code: code ?? -1,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      };
      if (options.signal?.aborted) {
        reject(new CommandError(argv, code, result.stderr, { cause: options.signal.reason }));
      } else if (code === 0 || (code !== null && options.okCodes?.includes(code))) {
        resolve(result);
      } else {
        reject(new CommandError(argv, code, result.stderr || result.stdout));
      }
    });
  });
}

function lineSplitter(onLine: (line: string) => void) {
  let partial = "";
  return {
    push(chunk: Buffer): void {
      const parts = (partial + chunk.toString("utf8")).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) onLine(line);
    },
    end(): void {
      if (partial !== "") onLine(partial);
      partial = "";
    },
  };
}

function tail(text: string, lines = 5): string {
  return text.trim().split("\n").slice(-lines).join(" | ") || "(no output)";
}
