import { posix } from "node:path";
import { Readable } from "node:stream";
import multipart from "@fastify/multipart";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { InvalidArgumentError, parseSandboxId } from "@wrenn/shared";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { SandboxService } from "../../services/sandboxes.js";
import { principalOf } from "../auth-hook.js";
import { TeamHeader, Timestamp, withErrors } from "../schemas.js";
import { SandboxParams } from "./schemas.js";

/** A 413 the error handler passes through (it keeps any 4xx `statusCode`). */
class PayloadTooLargeError extends Error {
  readonly statusCode = 413;
  override readonly name = "PayloadTooLargeError";
}

const Path = Type.String({
  minLength: 1,
  maxLength: 4096,
  description: "Absolute, or relative to the user's home",
});
const User = Type.Optional(Type.String({ maxLength: 64, description: "Default: user" }));
const FileQuery = Type.Object({ path: Path, user: User }, { additionalProperties: false });
const ListQuery = Type.Object(
  { path: Path, user: User, depth: Type.Optional(Type.Integer({ minimum: 1, maximum: 32 })) },
  { additionalProperties: false },
);
const MakeDirBody = Type.Object({ path: Path, user: User }, { additionalProperties: false });

const FileEntryView = Type.Object({
  name: Type.String(),
  path: Type.String(),
  type: Type.Union([Type.Literal("file"), Type.Literal("dir"), Type.Literal("symlink")]),
  sizeBytes: Type.Integer(),
  mode: Type.Integer(),
  owner: Type.String(),
  modifiedAt: Type.Union([Timestamp, Type.Null()]),
});

/** Counts bytes as they pass and stops the upload as soon as it is over the limit. */
async function* limited(source: AsyncIterable<Uint8Array>, maxBytes: number) {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    if (total > maxBytes) throw new PayloadTooLargeError(`upload over ${maxBytes} bytes`);
    yield chunk;
  }
}

/** The file part of a multipart body, or a raw application/octet-stream body. */
async function uploadedBytes(
  request: FastifyRequest,
  maxBytes: number,
): Promise<AsyncIterable<Uint8Array>> {
  const declared = Number(request.headers["content-length"]);
  if (declared > maxBytes + 64 * 1024) {
    throw new PayloadTooLargeError(`upload over ${maxBytes} bytes (content-length ${declared})`);
  }
  if (request.isMultipart()) {
    // One byte over the limit, so `limited` sees it rather than busboy truncating quietly.
    const part = await request.file({ limits: { fileSize: maxBytes + 1, files: 1 } });
    if (!part) throw new InvalidArgumentError("the multipart body has no file part");
    return limited(part.file, maxBytes);
  }
  if (!(request.body instanceof Readable)) {
    throw new InvalidArgumentError(
      "send the file as multipart/form-data or application/octet-stream",
    );
  }
  return limited(request.body, maxBytes);
}

export function fileRoutes(deps: {
  sandboxes: SandboxService;
  maxUploadBytes: number;
}): FastifyPluginAsyncTypebox {
  const { sandboxes, maxUploadBytes } = deps;
  const tags = ["files"];
  const config = { auth: "team" as const };
  return async (app) => {
    // Only in this plugin's scope: the rest of the API stays JSON-only with a 1 MiB limit.
    await app.register(multipart, { limits: { fileSize: maxUploadBytes + 1 } });
    app.addContentTypeParser("application/octet-stream", (_request, payload, done) => {
      done(null, payload);
    });

    app.put(
      "/v1/sandboxes/:id/files",
      {
        config,
        bodyLimit: maxUploadBytes,
        schema: {
          tags,
          summary: "Upload a file (multipart/form-data or application/octet-stream), streamed",
          description: `Creates or replaces the file at \`path\`, making parent directories. At most ${maxUploadBytes} bytes (413 over that).`,
          headers: TeamHeader,
          params: SandboxParams,
          querystring: FileQuery,
          response: withErrors({
            200: Type.Object({ path: Type.String(), sizeBytes: Type.Integer() }),
          }),
        },
      },
      async (request) => {
        const id = parseSandboxId(request.params.id);
        const teamId = principalOf(request).teamId;
        // Checked before the body is read: a 404 or 409 should not cost the upload.
        await sandboxes.get(teamId, id);
        const bytes = await uploadedBytes(request, maxUploadBytes);
        const controller = new AbortController();
        request.raw.once("aborted", () => controller.abort(new Error("upload aborted")));
        const { path, user } = request.query;
        return sandboxes.uploadFile(
          teamId,
          id,
          { path, ...(user && { user }) },
          bytes,
          controller.signal,
        );
      },
    );

    app.get(
      "/v1/sandboxes/:id/files",
      {
        config,
        schema: {
          tags,
          summary: "Download a file, streamed",
          headers: TeamHeader,
          params: SandboxParams,
          querystring: FileQuery,
          response: withErrors({
            200: {
              description: "The file's bytes",
              content: {
                "application/octet-stream": { schema: Type.String({ format: "binary" }) },
              },
            },
          }),
        },
      },
      async (request, reply) => {
        const id = parseSandboxId(request.params.id);
        const controller = new AbortController();
        reply.raw.once("close", () => controller.abort(new Error("client closed the connection")));
        const { path, user } = request.query;
        const file = await sandboxes.downloadFile(
          principalOf(request).teamId,
          id,
          { path, ...(user && { user }) },
          controller.signal,
        );
        const name = posix.basename(path).replace(/[^\w.-]/g, "_") || "file";
        if (file.sizeBytes !== null) reply.header("content-length", file.sizeBytes);
        return reply
          .type("application/octet-stream")
          .header("content-disposition", `attachment; filename="${name}"`)
          .send(file.body);
      },
    );

    app.get(
      "/v1/sandboxes/:id/files/list",
      {
        config,
        schema: {
          tags,
          summary: "List a directory (depth 1 by default)",
          headers: TeamHeader,
          params: SandboxParams,
          querystring: ListQuery,
          response: withErrors({ 200: Type.Object({ entries: Type.Array(FileEntryView) }) }),
        },
      },
      async (request) => {
        const id = parseSandboxId(request.params.id);
        const { path, user, depth } = request.query;
        const entries = await sandboxes.listDir(principalOf(request).teamId, id, {
          path,
          ...(user && { user }),
          ...(depth && { depth }),
        });
        return {
          entries: entries.map((e) => ({ ...e, modifiedAt: e.modifiedAt?.toISOString() ?? null })),
        };
      },
    );

    app.post(
      "/v1/sandboxes/:id/files/mkdir",
      {
        config,
        schema: {
          tags,
          summary: "Make a directory and its parents",
          headers: TeamHeader,
          params: SandboxParams,
          body: MakeDirBody,
          response: withErrors({
            200: Type.Object({
              created: Type.Boolean({ description: "false when it already existed" }),
            }),
          }),
        },
      },
      async (request) => {
        const id = parseSandboxId(request.params.id);
        const { path, user } = request.body;
        const created = await sandboxes.makeDir(principalOf(request).teamId, id, {
          path,
          ...(user && { user }),
        });
        return { created };
      },
    );

    app.delete(
      "/v1/sandboxes/:id/files",
      {
        config,
        schema: {
          tags,
          summary: "Remove a file or a directory with its contents",
          headers: TeamHeader,
          params: SandboxParams,
          querystring: FileQuery,
          response: withErrors({ 204: Type.Null() }),
        },
      },
      async (request, reply) => {
        const id = parseSandboxId(request.params.id);
        const { path, user } = request.query;
        await sandboxes.removePath(principalOf(request).teamId, id, {
          path,
          ...(user && { user }),
        });
        return reply.code(204).send(null);
      },
    );
  };
}
