import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, join } from "node:path";
import { CliError, EXIT, usageError } from "./errors.js";

export const DEFAULT_API_URL = "http://localhost:8080";

/** What `wrenn login` stores. */
export interface StoredConfig {
  readonly url?: string;
  readonly apiKey?: string;
  /** A user session from `wrenn login --email` (API keys may not manage API keys). */
  readonly token?: string;
  readonly tokenExpiresAt?: string;
  readonly email?: string;
}

/** Where the API is and how to authenticate, after flags, environment and file are merged. */
export interface CliConfig {
  readonly url: string;
  readonly apiKey: string | null;
  /** Sent as a Bearer token when there is no API key. */
  readonly token: string | null;
}

export interface ConfigFlags {
  readonly url?: string;
  readonly apiKey?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** `$XDG_CONFIG_HOME/wrenn/config.json`, `~/.config/wrenn/config.json` by default. */
export function configPath(env: Env): string {
  const xdg = env.XDG_CONFIG_HOME;
  // The XDG spec says a relative value is invalid and must be ignored.
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME ?? homedir(), ".config");
  return join(base, "wrenn", "config.json");
}

function parseStored(text: string, path: string): StoredConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(`${path} is not valid JSON; run \`wrenn login\` again`, {
      exitCode: EXIT.failure,
      cause: error,
    });
  }
  if (typeof value !== "object" || value === null) return {};
  const stored: Record<string, string> = {};
  for (const field of ["url", "apiKey", "token", "tokenExpiresAt", "email"] as const) {
    const fieldValue = (value as Record<string, unknown>)[field];
    if (typeof fieldValue === "string") stored[field] = fieldValue;
  }
  return stored;
}

export async function readStoredConfig(path: string): Promise<StoredConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return {};
    throw error;
  }
  return parseStored(text, path);
}

/** Written to a temporary file with mode 0600 first, so the key is never readable by others. */
export async function writeStoredConfig(path: string, config: StoredConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // writeFile's mode only applies when it creates the file; chmod covers a leftover.
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}

export function normaliseUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw usageError(`not a URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw usageError(`the API URL must be http:// or https://, got ${raw}`);
  }
  return url.href.replace(/\/+$/, "");
}

/** Flags win over WRENN_API_URL / WRENN_API_KEY, which win over the file `wrenn login` wrote. */
export function resolveConfig(options: {
  flags: ConfigFlags;
  env: Env;
  stored: StoredConfig;
  now: Date;
}): CliConfig {
  const { flags, env, stored } = options;
  const url = flags.url || env.WRENN_API_URL || stored.url || DEFAULT_API_URL;
  const apiKey = flags.apiKey || env.WRENN_API_KEY || stored.apiKey || null;
  const expiresAt = stored.tokenExpiresAt ? new Date(stored.tokenExpiresAt) : null;
  // An expired session is dropped here, so the error says "log in", not "invalid token".
  const token = stored.token && !(expiresAt && expiresAt <= options.now) ? stored.token : null;
  return { url: normaliseUrl(url), apiKey, token };
}

export async function loadCliConfig(options: { flags: ConfigFlags; env: Env }): Promise<CliConfig> {
  const stored = await readStoredConfig(configPath(options.env));
  return resolveConfig({ ...options, stored, now: new Date() });
}
