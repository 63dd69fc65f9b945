import type { FastifyPluginAsyncTypebox } from "@fastify/type-provider-typebox";
import { InvalidArgumentError, parseSandboxId, type SandboxId, type TeamId } from "@wrenn/shared";
import type { FastifyRequest } from "fastify";
import { Type } from "typebox";
import type { WebSocket } from "ws";
import type { OpenedTerminal, SandboxService } from "../../services/sandboxes.js";
import { principalOf } from "../auth-hook.js";
import { toErrorBody } from "../errors.js";
import { TeamHeader, withErrors } from "../schemas.js";
import { SandboxParams } from "./schemas.js";

/** The subprotocol of docs/terminal-protocol.md; the server selects it when a client offers it. */
export const TERMINAL_PROTOCOL = "wrenn.pty.v1";

const Dimension = (fallback: number) =>
  Type.Integer({ minimum: 1, maximum: 1000, default: fallback });

const TerminalQuery = Type.Object(
  {
    cols: Type.Optional(Dimension(80)),
    rows: Type.Optional(Dimension(24)),
    pid: Type.Optional(Type.Integer({ minimum: 1, description: "Reattach to this terminal" })),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    cwd: Type.Optional(Type.String({ minLength: 1, maxLength: 4096 })),
  },
  { additionalProperties: false },
);

const ProcessParams = Type.Object(
  { id: SandboxParams.properties.id, pid: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);

const SignalQuery = Type.Object(
  { signal: Type.Optional(Type.Enum(["SIGKILL", "SIGTERM"], { default: "SIGKILL" })) },
  { additionalProperties: false },
);

const ProcessView = Type.Object({
  pid: Type.Integer(),
  cmd: Type.String(),
  args: Type.Array(Type.String()),
  cwd: Type.String(),
  tag: Type.String(),
});

/** What a client's frame asks for: binary frames are input, text frames JSON messages. */
type ClientAction =
  | { readonly type: "input"; readonly data: Uint8Array }
  | { readonly type: "resize"; readonly cols: number; readonly rows: number }
  | { readonly type: "kill" };

interface OpenTerminal extends OpenedTerminal {
  readonly teamId: TeamId;
  readonly id: SandboxId;
  readonly controller: AbortController;
}

const isDimension = (n: unknown): n is number =>
  typeof n === "number" && Number.isInteger(n) && n >= 1 && n <= 1000;

function toClientAction(data: Buffer, isBinary: boolean): ClientAction {
  if (isBinary) return { type: "input", data };
  let message: Record<string, unknown> | null = null;
  try {
    message = JSON.parse(data.toString("utf8"));
  } catch {
    // reported below, with the same words as any other unknown message
  }
  if (message?.type === "input" && typeof message.data === "string")
    return { type: "input", data: Buffer.from(message.data) };
  if (message?.type === "resize" && isDimension(message.cols) && isDimension(message.rows))
    return { type: "resize", cols: message.cols, rows: message.rows };
  if (message?.type === "kill") return { type: "kill" };
  throw new InvalidArgumentError(
    'a text frame must be {"type":"input","data":"…"}, {"type":"resize","cols":…,"rows":…} or {"type":"kill"}',
  );
}

/**
 * The interactive terminal (WebSocket, docs/terminal-protocol.md) and the processes list. The
 * terminal is opened in a preHandler, before the upgrade, so an unknown sandbox, a sandbox that
 * is not running or an unknown pid is a plain HTTP error with the usual JSON body.
 */
export function terminalRoutes(deps: { sandboxes: SandboxService }): FastifyPluginAsyncTypebox {
  const { sandboxes } = deps;
  const opened = new WeakMap<FastifyRequest, OpenTerminal>();

  return async (app) => {
    app.get(
      "/v1/sandboxes/:id/pty",
      {
        websocket: true,
        config: { auth: "team" },
        schema: { headers: TeamHeader, params: SandboxParams, querystring: TerminalQuery },
        preHandler: async (request) => {
          const teamId = principalOf(request).teamId;
          const id = parseSandboxId(request.params.id);
          const { cols = 80, rows = 24, pid, user, cwd } = request.query;
          const controller = new AbortController();
          // The client's connection ending ends the relay, before the upgrade as after it: a
          // client gone before the WebSocket opened must not hold the agent's stream open.
          request.raw.socket.once("close", () => controller.abort());
          const terminal = await sandboxes.terminal(
            teamId,
            id,
            { size: { cols, rows }, pid, user, cwd },
            controller.signal,
          );
          opened.set(request, { ...terminal, teamId, id, controller });
        },
      },
      (socket, request) => {
        const terminal = opened.get(request);
        if (!terminal) throw new Error("terminal route without an opened terminal");
        relayTerminal(socket, request, terminal, sandboxes);
      },
    );

    app.get(
      "/v1/sandboxes/:id/processes",
      {
        config: { auth: "team" },
        schema: {
          tags: ["sandboxes"],
          summary: "List the processes started through envd (commands and terminals)",
          headers: TeamHeader,
          params: SandboxParams,
          response: withErrors({ 200: Type.Object({ processes: Type.Array(ProcessView) }) }),
        },
      },
      async (request) => ({
        processes: await sandboxes.listProcesses(
          principalOf(request).teamId,
          parseSandboxId(request.params.id),
        ),
      }),
    );

    app.delete(
      "/v1/sandboxes/:id/processes/:pid",
      {
        config: { auth: "team" },
        schema: {
          tags: ["sandboxes"],
          summary: "Stop a process (SIGKILL unless ?signal=SIGTERM)",
          headers: TeamHeader,
          params: ProcessParams,
          querystring: SignalQuery,
          response: withErrors({ 204: Type.Null() }),
        },
      },
      async (request, reply) => {
        await sandboxes.signalProcess(
          principalOf(request).teamId,
          parseSandboxId(request.params.id),
          request.params.pid,
          request.query.signal ?? "SIGKILL",
        );
        return reply.code(204).send(null);
      },
    );
  };
}

/** Output → binary frames, control → JSON text frames; input is applied in arrival order. */
function relayTerminal(
  socket: WebSocket,
  request: FastifyRequest,
  terminal: OpenTerminal,
  sandboxes: SandboxService,
): void {
  const { teamId, id, pid, events, controller } = terminal;
  let inputs = Promise.resolve();
  const sendJson = (message: object) => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const fail = (error: unknown, closeCode: number) => {
    const body = toErrorBody(error, request.id);
    if (body.code >= 500) request.log.error({ err: error }, "terminal relay failed");
    sendJson({ type: "error", ...body });
    socket.close(closeCode);
  };

  // Closing the socket detaches; the shell keeps running (reattach with ?pid=).
  socket.on("close", () => controller.abort());

  socket.on("message", (data, isBinary) => {
    let action: ClientAction;
    try {
      action = toClientAction(Buffer.from(data as Buffer), isBinary);
    } catch (error) {
      sendJson({ type: "error", ...toErrorBody(error, request.id) });
      return;
    }
    inputs = inputs
      .then(() => {
        if (action.type === "input") return sandboxes.terminalInput(teamId, id, pid, action.data);
        if (action.type === "resize")
          return sandboxes.resizeTerminal(teamId, id, pid, {
            cols: action.cols,
            rows: action.rows,
          });
        return sandboxes.signalProcess(teamId, id, pid, "SIGKILL");
      })
      .catch((error: unknown) => fail(error, 1011));
  });

  sendJson({ type: "started", pid });
  void (async () => {
    try {
      for await (const event of events) {
        if (event.type === "output") {
          if (socket.readyState === socket.OPEN) socket.send(event.data, { binary: true });
        } else {
          sendJson({ type: "exit", exitCode: event.exitCode });
          socket.close(1000);
          return;
        }
      }
      if (!controller.signal.aborted) socket.close(1000);
    } catch (error) {
      if (!controller.signal.aborted) fail(error, 1011);
    }
  })();
}
