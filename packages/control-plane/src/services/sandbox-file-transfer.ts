import { Readable } from "node:stream";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import {
  ExhaustedError,
  ForbiddenError,
  InvalidArgumentError,
  type SandboxId,
  type TeamId,
  UnavailableError,
  WrennError,
} from "@wrenn/shared";
import { ENVD_PORT } from "../proxy/sandbox-proxy.js";
import type { SandboxContext } from "./sandbox-context.js";
import type { FileRef } from "./sandbox-relay.js";

export interface Download {
  /** From envd's content-length; null when it sent none. */
  readonly sizeBytes: number | null;
  readonly body: Readable;
}

/** envd's `{code, message}` error, as the code the API answers with. */
function envdError(status: number, text: string, doing: string): WrennError {
  let message = text.trim();
  try {
    message = (JSON.parse(text) as { message?: string }).message ?? message;
  } catch {
    // not JSON: the text is the message
  }
  message = message || `${doing}: envd answered ${status}`;
  if (status === 404) return new WrennError("not_found", message);
  if (status === 400) return new InvalidArgumentError(message);
  if (status === 401 || status === 403) return new ForbiddenError(message);
  if (status === 507) return new ExhaustedError(message);
  return new UnavailableError(`${doing}: ${message}`);
}

/**
 * File bodies go over HTTP straight to envd's `/files`, through the host agent's port proxy (the
 * path the e2b SDK's own transfers take), not through the agent's chunked RPC: one streamed
 * body each way, with its content-length, at several times the RPC's throughput.
 */
export function createSandboxFileTransfer(ctx: SandboxContext) {
  async function envdFilesUrl(teamId: TeamId, id: SandboxId, file: FileRef, action: string) {
    const { sandbox } = await ctx.running(teamId, id, action);
    if (!sandbox.hostId) throw new UnavailableError(`sandbox ${id} is on no host`);
    const address = await ctx.hosts.addressOf(sandbox.hostId);
    const query = new URLSearchParams({
      path: file.path,
      ...(file.user && { username: file.user }),
    });
    const url = `http://${address}/proxy/${id}/${ENVD_PORT}/files?${query}`;
    const headers: Record<string, string> = sandbox.envdAccessTokenHash
      ? { "x-access-token": ctx.tokens.envd(id, sandbox.tokenGeneration) }
      : {};
    return { url, headers };
  }

  return {
    /** The file's bytes as they arrive; a missing file is an error of this call (a clean 404). */
    async downloadFile(
      teamId: TeamId,
      id: SandboxId,
      file: FileRef,
      signal: AbortSignal,
    ): Promise<Download> {
      const { url, headers } = await envdFilesUrl(teamId, id, file, "read files in");
      const res = await fetch(url, { headers, signal }).catch((error: unknown) => {
        throw new UnavailableError("could not reach the sandbox", { cause: error });
      });
      if (!res.ok || !res.body) throw envdError(res.status, await res.text(), "reading the file");
      const length = res.headers.get("content-length");
      return {
        sizeBytes: length === null ? null : Number(length),
        body: Readable.fromWeb(res.body as WebReadableStream<Uint8Array>),
      };
    },

    /** Streams `content` into the file (created or replaced, parents made); returns its size. */
    async uploadFile(
      teamId: TeamId,
      id: SandboxId,
      file: FileRef,
      content: AsyncIterable<Uint8Array>,
      signal: AbortSignal,
    ): Promise<{ path: string; sizeBytes: number }> {
      const { url, headers } = await envdFilesUrl(teamId, id, file, "write files in");
      let sizeBytes = 0;
      // fetch reports a body that failed (too large, client gone) as its own "fetch failed".
      let bodyError: unknown;
      async function* counted() {
        try {
          for await (const chunk of content) {
            sizeBytes += chunk.length;
            yield chunk;
          }
        } catch (error) {
          bodyError = error;
          throw error;
        }
      }
      let res: Response;
      try {
        res = await fetch(url, {
          method: "POST",
          headers: { ...headers, "content-type": "application/octet-stream" },
          body: Readable.toWeb(Readable.from(counted())) as ReadableStream<Uint8Array>,
          duplex: "half",
          signal,
        });
      } catch (error) {
        throw bodyError ?? new UnavailableError("could not reach the sandbox", { cause: error });
      }
      const text = await res.text();
      if (!res.ok) throw envdError(res.status, text, "writing the file");
      const [written] = JSON.parse(text) as { path: string }[];
      return { path: written?.path ?? file.path, sizeBytes };
    },
  };
}

export type SandboxFileTransfer = ReturnType<typeof createSandboxFileTransfer>;
