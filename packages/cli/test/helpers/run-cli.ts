import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { IPty } from "node-pty";
import { spawn as spawnPty } from "node-pty";

/** The repository root: `--import tsx` is resolved from it. */
export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const MAIN = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

/** The CLI from source through tsx, with the `source` condition like the tests' own imports. */
export const CLI_COMMAND = [process.execPath, "--import", "tsx", "--conditions=source", MAIN];

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of a CLI run: only what the test sets, plus PATH and HOME. */
export function cliEnv(extra: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...extra,
  })) {
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Runs `wrenn <args>` with pipes (not a terminal) and collects everything it prints. */
export function runCli(
  args: readonly string[],
  options: { env: Record<string, string>; input?: string | Buffer },
): Promise<CliRun> {
  const [command = "", ...prefix] = CLI_COMMAND;
  const child = spawn(command, [...prefix, ...args], { cwd: REPO_ROOT, env: options.env });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
  child.stdin.end(options.input ?? "");
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) =>
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      }),
    );
  });
}

/** `wrenn <args>` on a pseudo-terminal, as a person at a terminal runs it. */
export function runCliInPty(
  args: readonly string[],
  options: { env: Record<string, string>; cols?: number; rows?: number },
): { pty: IPty; output: () => string; exited: Promise<number> } {
  const [command = "", ...prefix] = CLI_COMMAND;
  const pty = spawnPty(command, [...prefix, ...args], {
    name: "xterm-256color",
    cols: options.cols ?? 80,
    rows: options.rows ?? 24,
    cwd: REPO_ROOT,
    env: { ...options.env, TERM: "xterm-256color" },
  });
  let output = "";
  pty.onData((data) => {
    output += data;
  });
  const exited = new Promise<number>((resolve) => pty.onExit(({ exitCode }) => resolve(exitCode)));
  return { pty, output: () => output, exited };
}
