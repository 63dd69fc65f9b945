import { Readable } from "node:stream";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { type EntryInfo, FileType } from "@wrenn/proto/envd/filesystem";
import {
  InvalidArgumentError,
  NotFoundError,
  type SandboxId,
  UnavailableError,
  WrennError,
} from "@wrenn/shared";
import type { EnvdClients } from "./envd-clients.js";

export interface FileEntry {
  name: string;
  path: string;
  type: "file" | "dir" | "symlink";
  sizeBytes: number;
  mode: number;
  owner: string;
  modifiedAt: Date | undefined;
}

/** Files inside a sandbox, through envd's /files (bytes) and Filesystem service (metadata). */
export function createFileRelay(deps: { clients: EnvdClients }) {
  function filesUrl(id: SandboxId, path: string, user?: string): string {
    const url = new URL("/files", deps.clients.forSandbox(id).baseUrl);
    url.searchParams.set("path", path);
    if (user) url.searchParams.set("username", user);
    return url.toString();
  }

  /** Streams a file out of the sandbox in chunks. */
  async function read(
    id: SandboxId,
    path: string,
    user?: string,
    signal?: AbortSignal,
  ): Promise<Readable> {
    requirePath(path);
    const res = await envdFetch(filesUrl(id, path, user), {
      headers: deps.clients.forSandbox(id).headers(),
      signal,
    });
    if (!res.ok || !res.body) throw await envdHttpError(res, path);
    return Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>);
  }

  /** Streams bytes into a file in the sandbox (parents created, owned by the user). */
  async function write(
    id: SandboxId,
    path: string,
    body: AsyncIterable<Uint8Array> | Uint8Array,
    user?: string,
    signal?: AbortSignal,
  ): Promise<{ path: string }> {
    requirePath(path);
    const res = await envdFetch(filesUrl(id, path, user), {
      method: "POST",
      headers: {
        ...deps.clients.forSandbox(id).headers(),
        "content-type": "application/octet-stream",
      },
      body: body instanceof Uint8Array ? body : Readable.from(body),
      signal,
      duplex: "half",
    } as RequestInit);
    if (!res.ok) throw await envdHttpError(res, path);
    const written = (await res.json()) as { path: string }[];
    return { path: written[0]?.path ?? path };
  }

  async function list(
    id: SandboxId,
    path: string,
    depth: number,
    user?: string,
  ): Promise<FileEntry[]> {
    const client = deps.clients.forSandbox(id);
    try {
      const res = await client.filesystem.listDir(
        { path, depth: depth || 1 },
        { headers: client.headers(user) },
      );
      return res.entries.filter((e) => e.type !== FileType.UNSPECIFIED).map(toEntry);
    } catch (error) {
      throw mapFsError(error, path);
    }
  }

  /** Returns false when the directory already existed. */
  async function makeDir(id: SandboxId, path: string, user?: string): Promise<boolean> {
    requirePath(path);
    const client = deps.clients.forSandbox(id);
    try {
      await client.filesystem.makeDir({ path }, { headers: client.headers(user) });
      return true;
    } catch (error) {
      if (error instanceof ConnectError && error.code === Code.AlreadyExists) return false;
      throw mapFsError(error, path);
    }
  }

  async function remove(id: SandboxId, path: string, user?: string): Promise<void> {
    requirePath(path);
    const client = deps.clients.forSandbox(id);
    try {
      await client.filesystem.remove({ path }, { headers: client.headers(user) });
    } catch (error) {
      throw mapFsError(error, path);
    }
  }

  return { read, write, list, makeDir, remove };
}

export type FileRelay = ReturnType<typeof createFileRelay>;

/** fetch, with the network cause in the message (undici only says "fetch failed"). */
async function envdFetch(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    if (init.signal?.aborted) throw error;
    const cause = (error as { cause?: { message?: string; code?: string } }).cause;
    throw new UnavailableError(
      `envd did not answer: ${cause?.code ?? ""} ${cause?.message ?? String(error)}`.trim(),
      {
        cause: error,
      },
    );
  }
}

function requirePath(path: string): void {
  if (!path) throw new InvalidArgumentError("path must not be empty");
}

function toEntry(e: EntryInfo): FileEntry {
  return {
    name: e.name,
    path: e.path,
    type: e.type === FileType.DIRECTORY ? "dir" : e.type === FileType.SYMLINK ? "symlink" : "file",
    sizeBytes: Number(e.size),
    mode: e.mode,
    owner: e.owner,
    modifiedAt: e.modifiedTime ? timestampDate(e.modifiedTime) : undefined,
  };
}

function mapFsError(error: unknown, path: string): unknown {
  if (!(error instanceof ConnectError)) return error;
  if (error.code === Code.NotFound) return new NotFoundError("path", path);
  if (error.code === Code.InvalidArgument) return new InvalidArgumentError(error.rawMessage);
  if (error.code === Code.PermissionDenied) return new WrennError("forbidden", error.rawMessage);
  return error;
}

async function envdHttpError(res: Response, path: string): Promise<Error> {
  const text = await res.text();
  let message = text;
  try {
    message = String((JSON.parse(text) as { message?: unknown }).message ?? text);
  } catch {
    // envd answers JSON; a proxy in between may not.
  }
  if (res.status === 404) return new NotFoundError("path", path);
  if (res.status === 400) return new InvalidArgumentError(message);
  if (res.status === 401 || res.status === 403) return new WrennError("forbidden", message);
  if (res.status === 507) return new WrennError("exhausted", `sandbox disk is full: ${message}`);
  return new UnavailableError(`envd /files answered ${res.status}: ${message}`);
}
