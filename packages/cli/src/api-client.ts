import type { Readable } from "node:stream";
import type { CliConfig } from "./config.js";
import { apiError, CliError, EXIT } from "./errors.js";

export type Query = Record<string, string | number | boolean | readonly string[] | undefined>;

export interface RequestOptions {
  readonly query?: Query;
  /** JSON-encoded; a Readable is sent as a raw application/octet-stream body, streamed. */
  readonly body?: unknown;
  readonly signal?: AbortSignal;
  readonly headers?: Record<string, string>;
  /** Sent without credentials (signing in). */
  readonly anonymous?: boolean;
}

export interface ApiClient {
  readonly url: string;
  /** Sends a request and returns the parsed JSON answer (`null` for 204), or throws CliError. */
  json(method: string, path: string, options?: RequestOptions): Promise<unknown>;
  /** Sends a request and returns the successful response unread, for streamed answers. */
  raw(method: string, path: string, options?: RequestOptions): Promise<Response>;
  /** The ws:// URL of a path, and the headers that authenticate a WebSocket to it. */
  webSocket(path: string, query?: Query): { url: string; headers: Record<string, string> };
}

function isReadable(value: unknown): value is Readable {
  return (
    typeof value === "object" &&
    value !== null &&
    "pipe" in value &&
    typeof (value as { pipe: unknown }).pipe === "function"
  );
}

function buildUrl(base: string, path: string, query: Query | undefined): URL {
  const url = new URL(`${base}${path}`);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [String(value)];
    for (const item of values) url.searchParams.append(name, item);
  }
  return url;
}

/** fetch's TypeError hides the reason (ECONNREFUSED, ENOTFOUND) in `cause`. */
function networkError(base: string, error: unknown): CliError {
  const cause = error instanceof Error ? error.cause : undefined;
  const reason =
    cause instanceof Error
      ? "code" in cause && typeof cause.code === "string"
        ? cause.code
        : cause.message
      : error instanceof Error
        ? error.message
        : String(error);
  return new CliError(`cannot reach the Wrenn API at ${base} (${reason})`, {
    exitCode: EXIT.failure,
    cause: error,
  });
}

async function readErrorBody(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function createApiClient(config: CliConfig): ApiClient {
  const base = config.url;

  function authHeaders(): Record<string, string> {
    if (config.apiKey) return { "x-api-key": config.apiKey };
    if (config.token) return { authorization: `Bearer ${config.token}` };
    throw new CliError("no API key: run `wrenn login`, set WRENN_API_KEY, or pass --api-key", {
      exitCode: EXIT.auth,
    });
  }

  async function raw(method: string, path: string, options: RequestOptions = {}) {
    const headers: Record<string, string> = {
      ...(!options.anonymous && authHeaders()),
      ...options.headers,
    };
    let body: RequestInit["body"];
    let duplex: { duplex: "half" } | undefined;
    if (isReadable(options.body)) {
      headers["content-type"] = "application/octet-stream";
      // Node's fetch takes an async iterable as a streamed body when duplex is "half".
      body = options.body as unknown as RequestInit["body"];
      duplex = { duplex: "half" };
    } else if (options.body !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    let response: Response;
    try {
      response = await fetch(buildUrl(base, path, options.query), {
        method,
        headers,
        ...(body !== undefined && { body }),
        ...duplex,
        ...(options.signal && { signal: options.signal }),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw networkError(base, error);
    }
    if (!response.ok) throw apiError(response.status, await readErrorBody(response));
    return response;
  }

  async function json(method: string, path: string, options?: RequestOptions) {
    const response = await raw(method, path, options);
    if (response.status === 204) return null;
    const text = await response.text();
    try {
      return text === "" ? null : (JSON.parse(text) as unknown);
    } catch (error) {
      throw new CliError(`the server sent invalid JSON for ${method} ${path}`, {
        exitCode: EXIT.failure,
        cause: error,
      });
    }
  }

  function webSocket(path: string, query?: Query) {
    const url = buildUrl(base, path, query);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return { url: url.href, headers: authHeaders() };
  }

  return { url: base, json, raw, webSocket };
}
