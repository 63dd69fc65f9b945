import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { FileEntry as AgentFileEntry, ExecStreamResponse } from "@wrenn/proto/hostagent/v1";
import type { SandboxId, TeamId } from "@wrenn/shared";
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

    /** Streams `content` into the file (created or replaced, parents made); returns its size. */
    async writeFile(
      teamId: TeamId,
      id: SandboxId,
      file: FileRef,
      content: AsyncIterable<Uint8Array>,
      signal: AbortSignal,
    ): Promise<{ path: string; sizeBytes: number }> {
      const { agent } = await ctx.running(teamId, id, "write files in");
      async function* messages() {
        yield {
          event: {
            case: "start" as const,
            value: { sandboxId: id, path: file.path, user: file.user ?? "" },
          },
        };
        for await (const chunk of content)
          yield { event: { case: "chunk" as const, value: chunk } };
      }
      const written = await agent.writeFileStream(messages(), { signal });
      return { path: written.path, sizeBytes: Number(written.sizeBytes) };
    },

    /**
     * The file's bytes as they arrive. The first chunk is awaited here, so a missing file is an
     * error of this call (a clean 404), not of a download that already sent its headers.
     */
    async readFile(
      teamId: TeamId,
      id: SandboxId,
      file: FileRef,
      signal: AbortSignal,
    ): Promise<AsyncIterable<Uint8Array>> {
      const { agent } = await ctx.running(teamId, id, "read files in");
      const chunks = agent
        .readFileStream({ sandboxId: id, path: file.path, user: file.user ?? "" }, { signal })
        [Symbol.asyncIterator]();
      const first = await chunks.next();
      return (async function* () {
        if (first.done) return;
        yield first.value.chunk;
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) {
          yield next.value.chunk;
        }
      })();
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
