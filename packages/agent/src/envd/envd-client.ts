import http from "node:http";
import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Filesystem } from "@wrenn/proto/envd/filesystem";
import { Process } from "@wrenn/proto/envd/process";
import { UnavailableError } from "@wrenn/shared";

export const ENVD_PORT = 49983;

export interface EnvdInit {
  envVars?: Record<string, string>;
  accessToken?: string;
  defaultUser?: string;
  defaultWorkdir?: string;
}

export interface EnvdClient {
  readonly baseUrl: string;
  readonly process: Client<typeof Process>;
  readonly filesystem: Client<typeof Filesystem>;
  /** Headers every envd call carries: the access token and, when given, the user. */
  headers(user?: string): Record<string, string>;
}

/** A client for one sandbox's envd, reached through the sandbox's slot address. */
export function createEnvdClient(options: { address: string; accessToken?: string }): EnvdClient {
  const baseUrl = `http://${options.address}:${ENVD_PORT}`;
  const token: Interceptor = (next) => (req) => {
    if (options.accessToken) req.header.set("x-access-token", options.accessToken);
    return next(req);
  };
  const transport = createConnectTransport({ baseUrl, httpVersion: "1.1", interceptors: [token] });
  return {
    baseUrl,
    process: createClient(Process, transport),
    filesystem: createClient(Filesystem, transport),
    headers(user) {
      const headers: Record<string, string> = {};
      if (options.accessToken) headers["x-access-token"] = options.accessToken;
      if (user) headers.authorization = basicAuth(user);
      return headers;
    },
  };
}

export function basicAuth(user: string): string {
  return `Basic ${Buffer.from(`${user}:`).toString("base64")}`;
}

/**
 * One call to envd's HTTP API on a connection of its own, closed after the answer. Control
 * calls never ride a pooled keep-alive socket: across a checkpoint the sandbox keeps none of
 * the connections the host remembers, and a request on such a socket can hang or reset.
 */
function envdRequest(
  address: string,
  path: string,
  options: {
    method: "GET" | "POST";
    headers?: Record<string, string>;
    body?: string;
    signal: AbortSignal;
  },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: address,
        port: ENVD_PORT,
        path,
        method: options.method,
        headers: {
          ...options.headers,
          ...(options.body === undefined
            ? {}
            : { "content-length": String(Buffer.byteLength(options.body)) }),
        },
        agent: false,
        signal: options.signal,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** Waits until envd answers /health; the sandbox is ready at that moment. */
export async function waitForEnvd(
  address: string,
  signal: AbortSignal,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    signal.throwIfAborted();
    try {
      const res = await envdRequest(address, "/health", {
        method: "GET",
        signal: AbortSignal.any([signal, AbortSignal.timeout(500)]),
      });
      if (res.status === 204) return;
      lastError = new Error(`envd /health answered ${res.status}`);
    } catch (error) {
      lastError = error;
    }
    // envd starts in ~30-80 ms; polling every 5 ms keeps create latency tight.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new UnavailableError(`envd did not become healthy within ${timeoutMs} ms`, {
    cause: lastError,
  });
}

/** POST /init: env vars, access token, default user and workdir. */
export async function initEnvd(
  address: string,
  body: EnvdInit,
  options: { currentToken?: string; signal: AbortSignal },
): Promise<void> {
  const res = await envdRequest(address, "/init", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(options.currentToken ? { "x-access-token": options.currentToken } : {}),
    },
    body: JSON.stringify(body),
    signal: options.signal,
  });
  if (res.status !== 204) {
    throw new UnavailableError(`envd /init answered ${res.status}: ${res.text.slice(0, 200)}`);
  }
}

/**
 * POST /snapshot/prepare: envd stops its background work (port forwarding) and collects its
 * garbage right before a checkpoint; the next /init starts the work again.
 */
export async function prepareEnvdSnapshot(
  address: string,
  options: { accessToken?: string; signal: AbortSignal },
): Promise<void> {
  const res = await envdRequest(address, "/snapshot/prepare", {
    method: "POST",
    headers: options.accessToken ? { "x-access-token": options.accessToken } : {},
    signal: options.signal,
  });
  if (res.status !== 204) {
    throw new UnavailableError(
      `envd /snapshot/prepare answered ${res.status}: ${res.text.slice(0, 200)}`,
    );
  }
}
