import type { Command } from "commander";
import { createApiClient } from "../api-client.js";
import {
  configPath,
  DEFAULT_API_URL,
  normaliseUrl,
  readStoredConfig,
  type StoredConfig,
  writeStoredConfig,
} from "../config.js";
import { type Runtime, reportError } from "../context.js";
import { CliError, EXIT, toCliError, usageError } from "../errors.js";
import { createOutput, type Output } from "../output.js";
import { promptSecret, readFirstLine } from "../prompt.js";

interface LoginOptions {
  url?: string;
  apiKey?: string;
  email?: string;
  json?: boolean;
}

/** Hidden prompt on a terminal, else the first line of stdin (`echo $KEY | wrenn login`). */
async function askSecret(runtime: Runtime, question: string): Promise<string> {
  const secret = runtime.stdin.isTTY
    ? await promptSecret({ question, stdin: runtime.stdin, stderr: runtime.stderr })
    : await readFirstLine(runtime.stdin);
  return secret.trim();
}

/** Checks the key against the server before anything is written, so a typo is never stored. */
async function loginWithKey(
  runtime: Runtime,
  input: { url: string; apiKey: string | undefined; output: Output },
): Promise<StoredConfig> {
  const apiKey = input.apiKey || (await askSecret(runtime, "API key (wrn_…): "));
  if (apiKey === "") throw usageError("no API key given (--api-key, WRENN_API_KEY or stdin)");
  const spinner = input.output.spinner(`checking the key with ${input.url}`);
  try {
    const api = createApiClient({ url: input.url, apiKey, token: null });
    await api.json("GET", "/v1/sandboxes", { query: { limit: 1 } });
  } catch (error) {
    spinner.fail();
    throw error;
  }
  spinner.stop();
  return { url: input.url, apiKey };
}

function sessionOf(answer: unknown): { token: string; expiresAt: string } {
  if (typeof answer === "object" && answer !== null) {
    const { token, expiresAt } = answer as Record<string, unknown>;
    if (typeof token === "string" && typeof expiresAt === "string") return { token, expiresAt };
  }
  throw new CliError("the server sent an unexpected answer to the login", {
    exitCode: EXIT.failure,
  });
}

/** A user session: needed for what an API key may not do (creating and deleting API keys). */
async function loginWithPassword(
  runtime: Runtime,
  input: { url: string; email: string; output: Output },
): Promise<StoredConfig> {
  const password = await askSecret(runtime, `password for ${input.email}: `);
  if (password === "") throw usageError("no password given (asked on the terminal or stdin)");
  const spinner = input.output.spinner(`signing in to ${input.url}`);
  try {
    const api = createApiClient({ url: input.url, apiKey: null, token: null });
    const answer = await api.json("POST", "/v1/auth/login", {
      body: { email: input.email, password },
      anonymous: true,
    });
    const session = sessionOf(answer);
    spinner.stop();
    return {
      url: input.url,
      email: input.email,
      token: session.token,
      tokenExpiresAt: session.expiresAt,
    };
  } catch (error) {
    spinner.fail();
    throw error;
  }
}

async function login(runtime: Runtime, options: LoginOptions): Promise<void> {
  const path = configPath(runtime.env);
  const stored = await readStoredConfig(path);
  const url = normaliseUrl(
    options.url || runtime.env.WRENN_API_URL || stored.url || DEFAULT_API_URL,
  );
  const output = createOutput({
    json: options.json === true,
    stdout: runtime.stdout,
    stderr: runtime.stderr,
  });
  const saved = options.email
    ? await loginWithPassword(runtime, { url, email: options.email, output })
    : await loginWithKey(runtime, {
        url,
        apiKey: options.apiKey || runtime.env.WRENN_API_KEY,
        output,
      });
  // One credential at a time: a new login replaces the previous one.
  await writeStoredConfig(path, saved);
  if (output.json) {
    output.printJson({ url, configPath: path, ...(saved.email && { email: saved.email }) });
  } else {
    output.write(
      `logged in to ${url}${saved.email ? ` as ${saved.email}` : ""}; saved to ${path}\n`,
    );
  }
}

export function registerLoginCommand(program: Command, runtime: Runtime): void {
  program
    .command("login")
    .description("check an API key (or sign in as a user) and store it for later commands")
    .option("--url <url>", `API URL (default: WRENN_API_URL, the stored one, ${DEFAULT_API_URL})`)
    .option(
      "--api-key <key>",
      "API key wrn_… (default: WRENN_API_KEY, else asked for, or read from stdin)",
    )
    .option(
      "--email <email>",
      "sign in as this user instead (password asked for, or read from stdin); needed for `key create|delete`",
    )
    .option("--json", "print JSON (for scripts) instead of text")
    .action(async (options: LoginOptions) => {
      try {
        await login(runtime, options);
        runtime.setExitCode(EXIT.ok);
      } catch (error) {
        reportError(runtime, toCliError(error), options.json === true);
      }
    });
}
