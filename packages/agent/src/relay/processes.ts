import { Code, ConnectError } from "@connectrpc/connect";
import { type ProcessEvent, Signal } from "@wrenn/proto/envd/process";
import { InvalidArgumentError, NotFoundError, type SandboxId } from "@wrenn/shared";
import type { EnvdClients } from "./envd-clients.js";

export interface ProcessRequest {
  cmd: string;
  args: string[];
  envs: Record<string, string>;
  cwd?: string;
  user?: string;
  timeoutMs?: number;
  tag?: string;
}

export type RelayEvent =
  | { kind: "started"; pid: number }
  | { kind: "stdout" | "stderr" | "pty"; data: Uint8Array }
  | { kind: "exit"; exitCode: number; exited: boolean; status: string; error: string };

export interface ExecResult {
  exitCode: number;
  stdout: Uint8Array;
  stderr: Uint8Array;
  error: string;
}

/** Processes inside a sandbox, through its envd: exec, background processes and terminals. */
export function createProcessRelay(deps: { clients: EnvdClients }) {
  function callOptions(
    id: SandboxId,
    req: { user?: string; timeoutMs?: number },
    signal?: AbortSignal,
  ) {
    return {
      headers: deps.clients.forSandbox(id).headers(req.user),
      timeoutMs: req.timeoutMs,
      signal,
    };
  }

  async function* start(
    id: SandboxId,
    req: ProcessRequest & { pty?: { cols: number; rows: number }; stdin?: boolean },
    signal?: AbortSignal,
  ): AsyncGenerator<RelayEvent> {
    if (!req.cmd) throw new InvalidArgumentError("cmd must not be empty");
    const client = deps.clients.forSandbox(id).process;
    const stream = client.start(
      {
        process: { cmd: req.cmd, args: req.args, envs: req.envs, cwd: req.cwd || undefined },
        pty: req.pty ? { size: req.pty } : undefined,
        tag: req.tag || undefined,
        stdin: req.stdin ?? false,
      },
      callOptions(id, req, signal),
    );
    yield* mapEvents(stream);
  }

  async function* connect(
    id: SandboxId,
    pid: number,
    signal?: AbortSignal,
  ): AsyncGenerator<RelayEvent> {
    const client = deps.clients.forSandbox(id).process;
    try {
      yield* mapEvents(
        client.connect(
          { process: { selector: { case: "pid", value: pid } } },
          { ...callOptions(id, {}), signal },
        ),
      );
    } catch (error) {
      throw mapNotFound(error, "process", String(pid));
    }
  }

  /** A command whose stdin, when given, is written once it starts and then closed. */
  async function* run(
    id: SandboxId,
    req: ProcessRequest & { stdin?: Uint8Array },
    signal?: AbortSignal,
  ): AsyncGenerator<RelayEvent> {
    const input = req.stdin !== undefined && req.stdin.length > 0 ? req.stdin : null;
    for await (const event of start(id, { ...req, stdin: input !== null }, signal)) {
      yield event;
      if (event.kind === "started" && input) {
        await sendInput(id, event.pid, { data: input, pty: false });
        await closeStdin(id, event.pid);
      }
    }
  }

  async function exec(
    id: SandboxId,
    req: ProcessRequest & { stdin?: Uint8Array },
    signal?: AbortSignal,
  ): Promise<ExecResult> {
    const stdout: Uint8Array[] = [];
    const stderr: Uint8Array[] = [];
    let exit: Extract<RelayEvent, { kind: "exit" }> | undefined;
    for await (const event of run(id, req, signal)) {
      if (event.kind === "stdout") stdout.push(event.data);
      else if (event.kind === "stderr") stderr.push(event.data);
      else if (event.kind === "exit") exit = event;
    }
    if (!exit)
      throw new ConnectError("the process stream ended without an exit event", Code.Unavailable);
    return {
      exitCode: exit.exitCode,
      stdout: Buffer.concat(stdout),
      stderr: Buffer.concat(stderr),
      error: exit.error,
    };
  }

  async function list(id: SandboxId) {
    const res = await deps.clients.forSandbox(id).process.list({}, callOptions(id, {}));
    return res.processes.map((p) => ({
      pid: p.pid,
      cmd: p.config?.cmd ?? "",
      args: p.config?.args ?? [],
      cwd: p.config?.cwd ?? "",
      tag: p.tag ?? "",
    }));
  }

  async function signal(id: SandboxId, pid: number, name: string): Promise<void> {
    const value =
      name === "SIGTERM"
        ? Signal.SIGTERM
        : name === "SIGKILL" || name === ""
          ? Signal.SIGKILL
          : undefined;
    if (value === undefined)
      throw new InvalidArgumentError(`signal must be SIGKILL or SIGTERM, got ${name}`);
    try {
      await deps.clients
        .forSandbox(id)
        .process.sendSignal(
          { process: { selector: { case: "pid", value: pid } }, signal: value },
          callOptions(id, {}),
        );
    } catch (error) {
      throw mapNotFound(error, "process", String(pid));
    }
  }

  async function sendInput(
    id: SandboxId,
    pid: number,
    input: { data: Uint8Array; pty: boolean },
  ): Promise<void> {
    try {
      await deps.clients.forSandbox(id).process.sendInput(
        {
          process: { selector: { case: "pid", value: pid } },
          input: {
            input: input.pty
              ? { case: "pty", value: input.data }
              : { case: "stdin", value: input.data },
          },
        },
        callOptions(id, {}),
      );
    } catch (error) {
      throw mapNotFound(error, "process", String(pid));
    }
  }

  async function closeStdin(id: SandboxId, pid: number): Promise<void> {
    await deps.clients
      .forSandbox(id)
      .process.closeStdin(
        { process: { selector: { case: "pid", value: pid } } },
        callOptions(id, {}),
      );
  }

  async function resize(
    id: SandboxId,
    pid: number,
    size: { cols: number; rows: number },
  ): Promise<void> {
    try {
      await deps.clients
        .forSandbox(id)
        .process.update(
          { process: { selector: { case: "pid", value: pid } }, pty: { size } },
          callOptions(id, {}),
        );
    } catch (error) {
      throw mapNotFound(error, "process", String(pid));
    }
  }

  return { start, run, connect, exec, list, signal, sendInput, closeStdin, resize };
}

export type ProcessRelay = ReturnType<typeof createProcessRelay>;

async function* mapEvents(
  stream: AsyncIterable<{ event?: ProcessEvent }>,
): AsyncGenerator<RelayEvent> {
  for await (const message of stream) {
    const event = message.event?.event;
    if (!event) continue;
    switch (event.case) {
      case "start":
        yield { kind: "started", pid: event.value.pid };
        break;
      case "data": {
        const output = event.value.output;
        if (output.case) yield { kind: output.case, data: output.value };
        break;
      }
      case "end":
        yield {
          kind: "exit",
          exitCode: event.value.exitCode,
          exited: event.value.exited,
          status: event.value.status,
          error: event.value.error ?? "",
        };
        break;
      default:
        break;
    }
  }
}

function mapNotFound(error: unknown, resource: string, id: string): unknown {
  if (error instanceof ConnectError && error.code === Code.NotFound)
    return new NotFoundError(resource, id);
  return error;
}
