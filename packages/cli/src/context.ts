import type { Command } from "commander";
import { type ApiClient, createApiClient } from "./api-client.js";
import { type CliConfig, loadCliConfig } from "./config.js";
import { type CliError, EXIT, toCliError, toJsonError } from "./errors.js";
import { createOutput, type Output } from "./output.js";

/** The process around the CLI, passed in so nothing below main.ts reads globals. */
export interface Runtime {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdin: NodeJS.ReadStream;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** Records the exit code; main.ts lets the process end on its own so stdout is flushed. */
  setExitCode(code: number): void;
}

/** Options every API command takes. */
export interface CommonOptions {
  readonly json?: boolean;
  readonly url?: string;
  readonly apiKey?: string;
}

export interface Context {
  readonly runtime: Runtime;
  readonly output: Output;
  readonly config: CliConfig;
  readonly api: ApiClient;
}

/** Adds --json, --url and --api-key; on each command that talks to the API, so they work after it. */
export function withCommonOptions(command: Command, options: { json?: boolean } = {}): Command {
  if (options.json !== false) command.option("--json", "print JSON (for scripts) instead of text");
  return command
    .option(
      "--url <url>",
      "API URL (default: WRENN_API_URL, the login file, http://localhost:8080)",
    )
    .option("--api-key <key>", "API key wrn_… (default: WRENN_API_KEY, the login file)");
}

export function reportError(runtime: Runtime, error: CliError, json: boolean): void {
  runtime.stderr.write(`wrenn: ${error.message}\n`);
  if (json) runtime.stdout.write(`${JSON.stringify(toJsonError(error), null, 2)}\n`);
  runtime.setExitCode(error.exitCode);
}

/**
 * Runs one command's body with its context, and turns whatever it throws into the one-line
 * message and exit code. The body returns its exit code (0 when it returns nothing).
 */
export async function runCommand(
  runtime: Runtime,
  command: Command,
  body: (context: Context) => Promise<number | undefined>,
): Promise<void> {
  const options = command.opts<CommonOptions>();
  const json = options.json === true;
  try {
    const config = await loadCliConfig({
      flags: {
        ...(options.url !== undefined && { url: options.url }),
        ...(options.apiKey !== undefined && { apiKey: options.apiKey }),
      },
      env: runtime.env,
    });
    const output = createOutput({ json, stdout: runtime.stdout, stderr: runtime.stderr });
    const code = await body({ runtime, output, config, api: createApiClient(config) });
    runtime.setExitCode(code ?? EXIT.ok);
  } catch (error) {
    reportError(runtime, toCliError(error), json);
  }
}
