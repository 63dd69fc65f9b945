import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { FileEntry as AgentFileEntry, ExecStreamResponse } from "@wrenn/proto/hostagent/v1";
import { type SandboxId, type TeamId, UnavailableError } from "@wrenn/shared";
import type { SandboxContext } from "./sandbox-context.js";

export interface ExecRequest {
  readonly cmd: string;
  readonly args?: readonly string[];
  readonly envs?: Record<string, string>;
  readonly cwd?: string;
  /** Default: the sandbox's default user (`user`). */
  readonly user?: string;
  /** 0 or absent: no limit beyond the sandbox's own life. */
  readonly timeoutMs?: number;
  readonly stdin?: Uint8Array;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: Uint8Array;
  readonly stderr: Uint8Array;
  /** Why the process could not run or was killed (timeout, signal); empty otherwise. */
  readonly error: string;
}

/** One event of a streamed command, in order: started, output…, exit. */
export type ExecEvent =
  | { readonly type: "started"; readonly pid: number }
  | { readonly type: "stdout" | "stderr"; readonly data: Uint8Array }
  | {
      readonly type: "exit";
      readonly exitCode: number;
      readonly exited: boolean;
      readonly status: string;
      readonly error: string;
    };

export interface FileEntry {
  readonly name: string;
  readonly path: string;
  readonly type: "file" | "dir" | "symlink";
  readonly sizeBytes: number;
  readonly mode: number;
  readonly owner: string;
  readonly modifiedAt: Date | null;
}

export interface MetricSample {
  readonly timestamp: Date;
  readonly cpuCount: number;
  readonly cpuUsedPct: number;
  readonly memoryUsedBytes: number;
  readonly memoryTotalBytes: number;
  readonly memoryCacheBytes: number;
  readonly diskUsedBytes: number;
  readonly diskTotalBytes: number;
  readonly netRxBytes: number;
  readonly netTxBytes: number;
}

export interface ProcessSummary {
  readonly pid: number;
  readonly cmd: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly tag: string;
}

export interface TerminalSize {
  readonly cols: number;
  readonly rows: number;
}

export interface TerminalRequest {
  readonly size: TerminalSize;
  /** Attach to this running terminal instead of starting a shell. */
  readonly pid?: number;
  readonly user?: string;
  readonly cwd?: string;
}

/** A terminal's output as it comes: bytes…, then its exit. */
export type TerminalEvent =
  | { readonly type: "output"; readonly data: Uint8Array }
  | { readonly type: "exit"; readonly exitCode: number };

export interface OpenedTerminal {
  readonly pid: number;
  readonly events: AsyncIterable<TerminalEvent>;
}

export interface FileRef {
  readonly path: string;
  readonly user?: string;
}

function toExecEvent(message: ExecStreamResponse): ExecEvent | null {
  const { event } = message;
  switch (event.case) {
    case "startedPid":
      return { type: "started", pid: event.value };
    case "stdout":
    case "stderr":
      return { type: event.case, data: event.value };
    case "pty":
      return { type: "stdout", data: event.value };
    case "exit":
      return {
        type: "exit",
        exitCode: event.value.exitCode,
        exited: event.value.exited,
        status: event.value.status,
        error: event.value.error,
      };
    default:
      return null;
  }
}

function toTerminalEvent(message: ExecStreamResponse): TerminalEvent | null {
  const { event } = message;
  switch (event.case) {
    case "pty":
    case "stdout":
    case "stderr":
      return { type: "output", data: event.value };
    case "exit":
      return { type: "exit", exitCode: event.value.exitCode };
    default:
      return null;
  }
}

/** The shell a new terminal runs: a login shell, so the user's profile and PATH apply. */
const TERMINAL_SHELL = { cmd: "/bin/bash", args: ["-l"], envs: { TERM: "xterm-256color" } };

function toFileEntry(entry: AgentFileEntry): FileEntry {
  return {
    name: entry.name,
    path: entry.path,
    type: entry.type === "dir" || entry.type === "symlink" ? entry.type : "file",
    sizeBytes: Number(entry.sizeBytes),
    mode: entry.mode,
    owner: entry.owner,
    modifiedAt: entry.modifiedAt ? timestampDate(entry.modifiedAt) : null,
  };
}

/**
 * Work inside a running sandbox, relayed to its host agent: commands, files, metrics. Every call
 * checks first that the team owns the sandbox and that it runs (404 / 409 before any host call).
 */
export function createSandboxRelay(ctx: SandboxContext) {
  const agentRequest = (id: SandboxId, req: ExecRequest) => ({
    sandboxId: id,
    cmd: req.cmd,
    args: [...(req.args ?? [])],
    envs: req.envs ?? {},
    cwd: req.cwd ?? "",
    user: req.user ?? "",
    timeoutMs: req.timeoutMs ?? 0,
    stdin: req.stdin ?? new Uint8Array(),
  });

  return {
    async exec(
      teamId: TeamId,
      id: SandboxId,
      req: ExecRequest,
      signal: AbortSignal,
    ): Promise<ExecResult> {
      const { agent } = await ctx.running(teamId, id, "run a command in");
      const result = await agent.exec(agentRequest(id, req), { signal });
      return {
        exitCode: result.exitCode,
        stdout: result.stdout,
        stderr: result.stderr,
        error: result.error,
      };
    },

    /** Checks ownership and state now; the events flow as they are iterated. */
    async execStream(
      teamId: TeamId,
      id: SandboxId,
      req: ExecRequest,
      signal: AbortSignal,
    ): Promise<AsyncIterable<ExecEvent>> {
      const { agent } = await ctx.running(teamId, id, "run a command in");
      const messages = agent.execStream(agentRequest(id, req), { signal });
      return (async function* () {
        for await (const message of messages) {
          const event = toExecEvent(message);
          if (event) yield event;
        }
      })();
    },

    /**
     * A new terminal (a login shell under a PTY) or, with `pid`, one started earlier. Ownership
     * and state are checked now; the output flows as it is iterated, and ending the iteration
     * leaves the shell running (its pid reattaches).
     */
    async terminal(
      teamId: TeamId,
      id: SandboxId,
      req: TerminalRequest,
      signal: AbortSignal,
    ): Promise<OpenedTerminal> {
      const { agent } = await ctx.running(teamId, id, "open a terminal in");
      const messages =
        req.pid === undefined
          ? agent.startProcess(
              {
                process: agentRequest(id, { ...TERMINAL_SHELL, user: req.user, cwd: req.cwd }),
                pty: req.size,
                stdin: true,
              },
              { signal },
            )
          : agent.connectProcess({ sandboxId: id, pid: req.pid }, { signal });
      const iterator = messages[Symbol.asyncIterator]();
      // The first message (started) is awaited here, so a shell that cannot start or an unknown
      // pid is an error of this call, before the caller commits to a WebSocket session.
      const first = await iterator.next();
      const started = first.done ? undefined : first.value.event;
      if (started?.case !== "startedPid") throw new UnavailableError("the terminal did not start");
      const events = (async function* () {
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          const event = toTerminalEvent(next.value);
          if (event) yield event;
        }
      })();
      return { pid: started.value, events };
    },

    async terminalInput(teamId: TeamId, id: SandboxId, pid: number, data: Uint8Array) {
      const { agent } = await ctx.running(teamId, id, "type into a terminal in");
      await agent.sendProcessInput({ sandboxId: id, pid, data, pty: true });
    },

    async resizeTerminal(teamId: TeamId, id: SandboxId, pid: number, size: TerminalSize) {
      const { agent } = await ctx.running(teamId, id, "resize a terminal in");
      await agent.resizePty({ sandboxId: id, pid, size });
    },

    async listProcesses(teamId: TeamId, id: SandboxId): Promise<ProcessSummary[]> {
      const { agent } = await ctx.running(teamId, id, "list the processes of");
      const response = await agent.listProcesses({ sandboxId: id });
      return response.processes.map(({ pid, cmd, args, cwd, tag }) => ({
        pid,
        cmd,
        args,
        cwd,
        tag,
      }));
    },

    async signalProcess(
      teamId: TeamId,
      id: SandboxId,
      pid: number,
      signal: "SIGKILL" | "SIGTERM",
    ): Promise<void> {
      const { agent } = await ctx.running(teamId, id, "stop processes in");
      await agent.signalProcess({ sandboxId: id, pid, signal });
    },

    async listDir(
      teamId: TeamId,
      id: SandboxId,
      dir: FileRef & { depth?: number },
    ): Promise<FileEntry[]> {
      const { agent } = await ctx.running(teamId, id, "list files in");
      const response = await agent.listDir({
        sandboxId: id,
        path: dir.path,
        depth: dir.depth ?? 1,
        user: dir.user ?? "",
      });
      return response.entries.map(toFileEntry);
    },

    /** True when it was created, false when it already existed. */
    async makeDir(teamId: TeamId, id: SandboxId, dir: FileRef): Promise<boolean> {
      const { agent } = await ctx.running(teamId, id, "make directories in");
      const response = await agent.makeDir({ sandboxId: id, path: dir.path, user: dir.user ?? "" });
      return response.created;
    },

    async removePath(teamId: TeamId, id: SandboxId, target: FileRef): Promise<void> {
      const { agent } = await ctx.running(teamId, id, "remove files in");
      await agent.removePath({ sandboxId: id, path: target.path, user: target.user ?? "" });
    },

    /** Samples oldest first; `fresh` takes one now instead of returning the periodic history. */
    async metrics(
      teamId: TeamId,
      id: SandboxId,
      options: { fresh?: boolean } = {},
    ): Promise<MetricSample[]> {
      const { agent } = await ctx.running(teamId, id, "read the metrics of");
      const response = await agent.getSandboxMetrics({ sandboxId: id, fresh: options.fresh });
      return response.samples.map((s) => ({
        timestamp: s.timestamp ? timestampDate(s.timestamp) : ctx.clock(),
        cpuCount: s.cpuCount,
        cpuUsedPct: s.cpuUsedPct,
        memoryUsedBytes: Number(s.memoryUsedBytes),
        memoryTotalBytes: Number(s.memoryTotalBytes),
        memoryCacheBytes: Number(s.memoryCacheBytes),
        diskUsedBytes: Number(s.diskUsedBytes),
        diskTotalBytes: Number(s.diskTotalBytes),
        netRxBytes: Number(s.netRxBytes),
        netTxBytes: Number(s.netTxBytes),
      }));
    },
  };
}

export type SandboxRelay = ReturnType<typeof createSandboxRelay>;
