import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ExecResult, exec } from "../exec.js";

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

/** Runs one of scripts/host/ in a clean environment, streaming its progress lines. */
export function runHostScript(run: HostScriptRun): Promise<ExecResult> {
  return exec([hostScriptPath(run.script), ...(run.args ?? [])], {
    env: { PATH, ...run.env },
    signal: run.signal,
    onStderrLine: run.onStderrLine,
    okCodes: run.okCodes,
  });
}
