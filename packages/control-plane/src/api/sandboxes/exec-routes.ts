import { Readable } from "node:stream";
import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { parseSandboxId } from "@wrenn/shared";
import type { FastifyReply, FastifyRequest } from "fastify";
import { type Static, Type } from "typebox";
import type { ExecEvent, ExecRequest, SandboxService } from "../../services/sandboxes.js";
import { principalOf } from "../auth-hook.js";
import { toErrorBody } from "../errors.js";
import { TeamHeader, withErrors } from "../schemas.js";
import { SandboxParams } from "./schemas.js";

export const ExecBody = Type.Object(
  {
    cmd: Type.String({ minLength: 1, maxLength: 4096, description: "Program to run (PATH)" }),
    args: Type.Optional(Type.Array(Type.String({ maxLength: 65_536 }), { maxItems: 4096 })),
    envs: Type.Optional(Type.Record(Type.String({ minLength: 1 }), Type.String())),
    cwd: Type.Optional(Type.String({ maxLength: 4096 })),
    user: Type.Optional(Type.String({ maxLength: 64, description: "Default: user" })),
    timeoutMs: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 86_400_000, description: "Kill it after this long" }),
    ),
    stdin: Type.Optional(Type.String({ description: "Written to its stdin (UTF-8), then closed" })),
  },
  { additionalProperties: false },
);

const ExecResultView = Type.Object({
  exitCode: Type.Integer(),
  stdout: Type.String({ description: "UTF-8" }),
  stderr: Type.String({ description: "UTF-8" }),
  error: Type.String({
    description:
      'Empty on success; "exit status N" for a non-zero exit; otherwise why it could not run or was killed',
  }),
});

const SSE_DESCRIPTION = `Server-sent events, in order:
- \`started\` \`{"pid": 12}\`
- \`stdout\` / \`stderr\` \`{"data": "<UTF-8 text>"}\` (as many as there are)
- \`exit\` \`{"exitCode": 0, "exited": true, "status": "exit status 0", "error": ""}\`
- \`error\` \`{"code": 503, "message": "…", "error_code": "unavailable"}\` if the stream broke.
Closing the connection kills nothing: the command runs to its end or its timeout.`;

function toExecRequest(body: Static<typeof ExecBody>): ExecRequest {
  const { stdin, ...rest } = body;
  return { ...rest, ...(stdin !== undefined && { stdin: Buffer.from(stdin) }) };
}

function sseFrame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function frameOf(event: ExecEvent): string {
  switch (event.type) {
    case "started":
      return sseFrame("started", { pid: event.pid });
    case "stdout":
    case "stderr":
      return sseFrame(event.type, { data: Buffer.from(event.data).toString("utf8") });
    case "exit": {
      const { type: _, ...exit } = event;
      return sseFrame("exit", exit);
    }
  }
}

/** A client that goes away stops the relay (not the command); the request's socket says so. */
function abortOnClose(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once("close", () => controller.abort(new Error("client closed the connection")));
  request.raw.once("aborted", () => controller.abort(new Error("client aborted the request")));
  return controller.signal;
}

export function execRoutes(deps: { sandboxes: SandboxService }): FastifyPluginAsyncTypebox {
  const { sandboxes } = deps;
  return async (app) => {
    app.post(
      "/v1/sandboxes/:id/exec",
      {
        config: { auth: "team" },
        schema: {
          tags: ["sandboxes"],
          summary: "Run a command and wait for it; its output comes back whole",
          headers: TeamHeader,
          params: SandboxParams,
          body: ExecBody,
          response: withErrors({ 200: ExecResultView }),
        },
      },
      async (request, reply) => {
        const id = parseSandboxId(request.params.id);
        const result = await sandboxes.exec(
          principalOf(request).teamId,
          id,
          toExecRequest(request.body),
          abortOnClose(request, reply),
        );
        return {
          exitCode: result.exitCode,
          stdout: Buffer.from(result.stdout).toString("utf8"),
          stderr: Buffer.from(result.stderr).toString("utf8"),
          error: result.error,
        };
      },
    );

    app.post(
      "/v1/sandboxes/:id/exec/stream",
      {
        config: { auth: "team" },
        schema: {
          tags: ["sandboxes"],
          summary: "Run a command and stream its output as server-sent events",
          description: SSE_DESCRIPTION,
          headers: TeamHeader,
          params: SandboxParams,
          body: ExecBody,
          response: withErrors({
            200: {
              description: "text/event-stream",
              content: { "text/event-stream": { schema: Type.String() } },
            },
          }),
        },
      },
      async (request, reply) => {
        const id = parseSandboxId(request.params.id);
        // Ownership, state and the host are checked before the 200 and its headers go out.
        const events = await sandboxes.execStream(
          principalOf(request).teamId,
          id,
          toExecRequest(request.body),
          abortOnClose(request, reply),
        );
        async function* frames(): AsyncGenerator<string> {
          try {
            for await (const event of events) yield frameOf(event);
          } catch (error) {
            // The status line is gone already: the failure becomes the stream's last event.
            request.log.warn({ err: error }, "exec stream failed");
            yield sseFrame("error", toErrorBody(error, request.id));
          }
        }
        return reply
          .type("text/event-stream; charset=utf-8")
          .header("cache-control", "no-cache")
          .header("x-accel-buffering", "no")
          .send(Readable.from(frames()));
      },
    );
  };
}
