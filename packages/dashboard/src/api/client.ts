import { type ApiError, errorFromResponse, networkError } from "./errors.js";
import type { SessionStore } from "./session-store.js";

export type Query = Record<string, string | number | boolean | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  signal?: AbortSignal;
}

export interface UploadOptions {
  onProgress?: (loadedBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
}

export interface ApiClient {
  request<T>(method: string, path: string, options?: RequestOptions): Promise<T>;
  get<T>(path: string, query?: Query): Promise<T>;
  /** PUT with a raw body through XMLHttpRequest, the one browser API that reports upload progress. */
  upload<T>(path: string, query: Query, body: Blob, options?: UploadOptions): Promise<T>;
  download(path: string, query: Query): Promise<Blob>;
  /** ws(s):// URL of an API path on this origin. */
  webSocketUrl(path: string, query: Query): string;
  token(): string | null;
}

export function withQuery(path: string, query: Query | undefined): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/**
 * Same-origin calls to the control plane with the session's bearer token. A 401 clears the
 * session (its owner, the router, then sends the person to the login page).
 */
export function createApiClient(deps: { session: SessionStore; origin: string }): ApiClient {
  const { session } = deps;

  function headers(extra: Record<string, string> = {}): Record<string, string> {
    const token = session.get()?.token;
    return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
  }

  function failed(status: number, text: string): ApiError {
    const error = errorFromResponse(status, text);
    if (status === 401 && session.get()) session.clear();
    return error;
  }

  async function send(method: string, path: string, options: RequestOptions): Promise<Response> {
    const hasBody = options.body !== undefined;
    try {
      return await fetch(withQuery(path, options.query), {
        method,
        headers: headers(hasBody ? { "content-type": "application/json" } : {}),
        ...(hasBody && { body: JSON.stringify(options.body) }),
        ...(options.signal && { signal: options.signal }),
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw networkError();
    }
  }

  async function request<T>(method: string, path: string, options: RequestOptions = {}) {
    const response = await send(method, path, options);
    const text = await response.text();
    if (!response.ok) throw failed(response.status, text);
    // The one place wire JSON becomes a typed value: the server's schemas fix these shapes.
    return (text ? JSON.parse(text) : null) as T;
  }

  function upload<T>(path: string, query: Query, body: Blob, options: UploadOptions = {}) {
    return new Promise<T>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", withQuery(path, query));
      for (const [name, value] of Object.entries(headers())) xhr.setRequestHeader(name, value);
      xhr.setRequestHeader("content-type", "application/octet-stream");
      xhr.upload.onprogress = (event) => {
        options.onProgress?.(event.loaded, event.lengthComputable ? event.total : body.size);
      };
      xhr.onload = () => {
        if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText) as T);
        else reject(failed(xhr.status, xhr.responseText));
      };
      xhr.onerror = () => reject(networkError());
      xhr.onabort = () => reject(new DOMException("upload cancelled", "AbortError"));
      options.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
      xhr.send(body);
    });
  }

  async function download(path: string, query: Query): Promise<Blob> {
    const response = await send("GET", path, { query });
    if (!response.ok) throw failed(response.status, await response.text());
    return response.blob();
  }

  function webSocketUrl(path: string, query: Query): string {
    const url = new URL(withQuery(path, query), deps.origin);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    return url.toString();
  }

  return {
    request,
    get: (path, query) => request("GET", path, query ? { query } : {}),
    upload,
    download,
    webSocketUrl,
    token: () => session.get()?.token ?? null,
  };
}
