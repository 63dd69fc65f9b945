import type { Writable } from "node:stream";
import type { ApiClient } from "./api-client.js";
import { apiError, CliError, EXIT } from "./errors.js";
import { parseSse } from "./sse.js";
import { asExecResult, type ExecResultView } from "./views.js";

/** The body of POST /v1/sandboxes/:id/exec and /exec/stream. */
export interface ExecRequest {
  readonly cmd: string;
  readonly args?: readonly string[];
  readonly envs?: Record<string, string>;
  readonly cwd?: string;
  readonly user?: string;
  readonly timeoutMs?: number;
  readonly stdin?: string;
}

export interface ExecOutcome {
  readonly exitCode: number;
  /** Why it could not run or was killed; empty when it exited by itself. */
  readonly error: string;
}

/** A shell's exit status is 0-255; a negative code (killed, never started) becomes 1. */
export function processExitCode(remoteExitCode: number): number {
  return Number.isInteger(remoteExitCode) && remoteExitCode >= 0 && remoteExitCode <= 255
    ? remoteExitCode
    : EXIT.failure;
}

/** Waits for the stream to take the chunk, so a slow reader (a pipe) slows the relay down. */
function writeWithBackpressure(stream: Writable, text: string): Promise<void> | undefined {
  if (stream.write(text)) return undefined;
  return new Promise((resolve) => stream.once("drain", resolve));
}

function parseEventData(data: string): Record<string, unknown> {
  const value: unknown = JSON.parse(data);
  if (typeof value !== "object" || value === null) throw new Error(`bad event data: ${data}`);
  return value as Record<string, unknown>;
}

/** Runs a command and relays its output as it comes, through the SSE route. */
export async function execStreaming(options: {
  api: ApiClient;
  sandboxId: string;
  request: ExecRequest;
  stdout: Writable;
  stderr: Writable;
}): Promise<ExecOutcome> {
  const path = `/v1/sandboxes/${encodeURIComponent(options.sandboxId)}/exec/stream`;
  const response = await options.api.raw("POST", path, {
    body: options.request,
    headers: { accept: "text/event-stream" },
  });
  if (!response.body) throw new CliError("the exec stream has no body", { exitCode: EXIT.failure });
  for await (const event of parseSse(response.body)) {
    const data = parseEventData(event.data);
    if (event.event === "stdout" || event.event === "stderr") {
      const text = typeof data.data === "string" ? data.data : "";
      await writeWithBackpressure(options[event.event], text);
    } else if (event.event === "exit") {
      return {
        exitCode: typeof data.exitCode === "number" ? data.exitCode : -1,
        error: typeof data.error === "string" ? data.error : "",
      };
    } else if (event.event === "error") {
      const status = typeof data.code === "number" ? data.code : 500;
      throw apiError(status, data);
    }
  }
  throw new CliError("the exec stream ended before the command's exit", {
    exitCode: EXIT.failure,
  });
}

/** Runs a command and returns its whole output (for --json). */
export async function execUnary(options: {
  api: ApiClient;
  sandboxId: string;
  request: ExecRequest;
}): Promise<ExecResultView> {
  const path = `/v1/sandboxes/${encodeURIComponent(options.sandboxId)}/exec`;
  return asExecResult(await options.api.json("POST", path, { body: options.request }));
}
