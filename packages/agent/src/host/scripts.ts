import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CommandError, type ExecResult } from "../exec.js";

export type HostScript = "setup.sh" | "build-base-template.sh" | "base-recipe-hash.sh";

/**
 * The repo's scripts/host/. This file is packages/agent/src/host/scripts.ts, or
 * dist/host/scripts.js once built: the same depth below the repo root either way.
 */
export function hostScriptsDir(): string {
  return fileURLToPath(new URL("../../../../scripts/host/", import.meta.url));
}

export function hostScriptPath(script: HostScript): string {
  return join(hostScriptsDir(), script);
}

const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const STDERR_TAIL_LINES = 200;

export interface HostScriptRun {
  readonly script: HostScript;
  readonly args?: readonly string[];
  /** Added to a clean environment that holds only PATH. */
  readonly env?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Each stderr line as it comes: the scripts write their progress there. */
  readonly onStderrLine?: (line: string) => void;
  /** Exit codes that are results, not failures (setup.sh's 1 = "something is missing"). */
  readonly okCodes?: readonly number[];
}

/**
 * Runs one of scripts/host/ like exec() does (argv, clean environment, CommandError with
 * the stderr tail), but streams stderr line by line: a base build runs for a minute and its
 * caller shows progress. An abort sends SIGTERM and waits for the script to exit, because
 * the scripts clean up on TERM (build-base-template.sh removes its half-built tree) and a
 * retry must not race that cleanup.
 */
export function runHostScript(run: HostScriptRun): Promise<ExecResult> {
  const argv = [hostScriptPath(run.script), ...(run.args ?? [])];
  run.signal?.throwIfAborted();
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      env: { PATH, ...run.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout: Buffer[] = [];
    const stderrTail: string[] = [];
    let partial = "";
    const onLine = (line: string) => {
      stderrTail.push(line);
      if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
      run.onStderrLine?.(line);
    };
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) onLine(line);
    });
    const abort = () => child.kill("SIGTERM");
    run.signal?.addEventListener("abort", abort, { once: true });
    child.once("error", (error) => {
      run.signal?.removeEventListener("abort", abort);
      reject(new CommandError(argv, null, error.message, { cause: error }));
    });
    child.once("close", (code) => {
      run.signal?.removeEventListener("abort", abort);
      if (partial !== "") onLine(partial);
      const result = {
        code: code ?? -1,
        stdout: Buffer.concat(stdout).toString(),
        stderr: stderrTail.join("\n"),
      };
      if (run.signal?.aborted) {
        reject(new CommandError(argv, code, result.stderr, { cause: run.signal.reason }));
      } else if (code === 0 || (code !== null && run.okCodes?.includes(code))) {
        resolve(result);
      } else {
        reject(new CommandError(argv, code, result.stderr || result.stdout));
      }
    });
  });
}
