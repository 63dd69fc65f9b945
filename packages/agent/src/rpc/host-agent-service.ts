import type { ServiceImpl } from "@connectrpc/connect";
import type { ExecRequest, HostAgentService } from "@wrenn/proto/hostagent/v1";
import { InvalidArgumentError, parseSandboxId, parseUuid } from "@wrenn/shared";
import type { SandboxManager } from "../manager/sandbox-manager.js";
import type { MetricsSampler } from "../metrics/sampler.js";
import type { FileRelay } from "../relay/files.js";
import type { ProcessRelay, RelayEvent } from "../relay/processes.js";
import { toMetrics, toSandboxInfo } from "./views.js";

export interface HostAgentServiceDeps {
  manager: SandboxManager;
  processes: ProcessRelay;
  files: FileRelay;
  sampler: MetricsSampler;
  ping(): {
    version: string;
    hostName: string;
    runtime: string;
    cpuCount: number;
    memoryBytes: bigint;
    freeSlots: number;
  };
}

const CHUNK_BYTES = 256 * 1024;

/** Proto ⇄ manager and relay calls, nothing else: the rules live below this layer. */
export function createHostAgentService(
  deps: HostAgentServiceDeps,
): ServiceImpl<typeof HostAgentService> {
  const running = (id: string) => {
    const sandboxId = parseSandboxId(id);
    deps.manager.get(sandboxId);
    return sandboxId;
  };

  return {
    ping() {
      const sandboxes = deps.manager.list();
      return {
        ...deps.ping(),
        sandboxesRunning: sandboxes.filter((s) => s.status === "running").length,
        sandboxesPaused: sandboxes.filter((s) => s.status === "paused").length,
      };
    },

    async createSandbox(req, ctx) {
      const record = await deps.manager.create(
        {
          sandboxId: req.sandboxId || undefined,
          teamId: parseUuid(req.teamId),
          templateId: req.templateId || "base",
          vcpus: req.vcpus || undefined,
          memoryMiB: req.memoryMib || undefined,
          diskMiB: req.diskMib || undefined,
          timeoutSeconds: req.timeoutSeconds || undefined,
          envVars: req.envVars,
          envdAccessToken: req.envdAccessToken || undefined,
          network: req.network,
          autoPause: req.autoPause,
          metadata: req.metadata,
        },
        ctx.signal,
      );
      return { sandbox: toSandboxInfo(record) };
    },

    async destroySandbox(req) {
      await deps.manager.destroy(parseSandboxId(req.sandboxId));
      return {};
    },

    getSandbox(req) {
      return { sandbox: toSandboxInfo(deps.manager.get(parseSandboxId(req.sandboxId))) };
    },

    listSandboxes() {
      return { sandboxes: deps.manager.list().map(toSandboxInfo) };
    },

    async setSandboxTimeout(req) {
      const record = await deps.manager.setTimeout(
        parseSandboxId(req.sandboxId),
        req.timeoutSeconds,
      );
      return { sandbox: toSandboxInfo(record) };
    },

    // Pause and resume are state transitions that finish or roll back once begun: a client
    // going away does not abort them.
    async pauseSandbox(req) {
      const record = await deps.manager.pause(parseSandboxId(req.sandboxId), {
        memory: req.memory,
        drainGraceMs: req.drainGraceMs,
      });
      return { sandbox: toSandboxInfo(record) };
    },

    async resumeSandbox(req) {
      const record = await deps.manager.resume(parseSandboxId(req.sandboxId), {
        timeoutSeconds: req.timeoutSeconds || undefined,
        envVars: Object.keys(req.envVars).length > 0 ? req.envVars : undefined,
        envdAccessToken: req.envdAccessToken || undefined,
      });
      return { sandbox: toSandboxInfo(record) };
    },

    async createSnapshot(req) {
      const templateId = req.templateId || req.name;
      if (!templateId) throw new InvalidArgumentError("template_id (or name) is required");
      const info = await deps.manager.createSnapshot({
        sandboxId: parseSandboxId(req.sandboxId),
        teamId: parseUuid(req.teamId),
        templateId,
        keepSource: req.keepSource,
        overwrite: req.overwrite,
      });
      return {
        templateId: info.templateId,
        vcpus: info.vcpus,
        memoryMib: info.memoryMiB,
        sizeBytes: BigInt(info.sizeBytes),
      };
    },

    async deleteSnapshot(req) {
      await deps.manager.deleteSnapshot(parseUuid(req.teamId), req.templateId);
      return {};
    },

    async getSandboxMetrics(req) {
      const id = running(req.sandboxId);
      // A paused sandbox has no cgroup to sample: it uses no CPU and no memory.
      const sampleable = deps.manager.get(id).status === "running";
      if (sampleable && (req.fresh || deps.sampler.history(id).length === 0)) {
        await deps.sampler.sample(id);
      }
      return { samples: deps.sampler.history(id).map(toMetrics) };
    },

    async exec(req, ctx) {
      const id = running(req.sandboxId);
      const result = await deps.processes.exec(id, toProcessRequest(req), ctx.signal);
      return {
        exitCode: result.exitCode,
        stdout: result.stdout,
        stderr: result.stderr,
        error: result.error,
      };
    },

    async *execStream(req, ctx) {
      yield* toStream(
        deps.processes.run(running(req.sandboxId), toProcessRequest(req), ctx.signal),
      );
    },

    async *startProcess(req, ctx) {
      if (!req.process) throw new InvalidArgumentError("process is required");
      const id = running(req.process.sandboxId);
      yield* toStream(
        deps.processes.start(
          id,
          {
            ...toProcessRequest(req.process),
            pty: req.pty ? { cols: req.pty.cols, rows: req.pty.rows } : undefined,
            stdin: req.stdin,
          },
          ctx.signal,
        ),
      );
    },

    async *connectProcess(req, ctx) {
      yield* toStream(deps.processes.connect(running(req.sandboxId), req.pid, ctx.signal));
    },

    async listProcesses(req) {
      return { processes: await deps.processes.list(running(req.sandboxId)) };
    },

    async signalProcess(req) {
      await deps.processes.signal(running(req.sandboxId), req.pid, req.signal);
      return {};
    },

    async sendProcessInput(req) {
      const id = running(req.sandboxId);
      if (req.data.length > 0)
        await deps.processes.sendInput(id, req.pid, { data: req.data, pty: req.pty });
      if (req.closeStdin) await deps.processes.closeStdin(id, req.pid);
      return {};
    },

    async resizePty(req) {
      if (!req.size) throw new InvalidArgumentError("size is required");
      await deps.processes.resize(running(req.sandboxId), req.pid, {
        cols: req.size.cols,
        rows: req.size.rows,
      });
      return {};
    },

    async readFile(req, ctx) {
      const stream = await deps.files.read(
        running(req.sandboxId),
        req.path,
        req.user || undefined,
        ctx.signal,
      );
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return { content: Buffer.concat(chunks) };
    },

    async *readFileStream(req, ctx) {
      const stream = await deps.files.read(
        running(req.sandboxId),
        req.path,
        req.user || undefined,
        ctx.signal,
      );
      for await (const chunk of stream) {
        const buffer = chunk as Buffer;
        for (let offset = 0; offset < buffer.length; offset += CHUNK_BYTES) {
          yield { chunk: buffer.subarray(offset, offset + CHUNK_BYTES) };
        }
      }
    },

    async writeFile(req, ctx) {
      const id = running(req.sandboxId);
      const written = await deps.files.write(
        id,
        req.path,
        req.content,
        req.user || undefined,
        ctx.signal,
      );
      return { path: written.path, sizeBytes: BigInt(req.content.length) };
    },

    async writeFileStream(requests, ctx) {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done || first.value.event.case !== "start") {
        throw new InvalidArgumentError(
          "the first message must be `start` with the sandbox and path",
        );
      }
      const start = first.value.event.value;
      const id = running(start.sandboxId);
      let size = 0;
      async function* chunks(): AsyncGenerator<Uint8Array> {
        if (start.content.length > 0) {
          size += start.content.length;
          yield start.content;
        }
        for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
          if (next.value.event.case !== "chunk")
            throw new InvalidArgumentError("only chunks may follow start");
          size += next.value.event.value.length;
          yield next.value.event.value;
        }
      }
      const written = await deps.files.write(
        id,
        start.path,
        chunks(),
        start.user || undefined,
        ctx.signal,
      );
      return { path: written.path, sizeBytes: BigInt(size) };
    },

    async listDir(req) {
      const entries = await deps.files.list(
        running(req.sandboxId),
        req.path,
        req.depth,
        req.user || undefined,
      );
      return {
        entries: entries.map((e) => ({
          name: e.name,
          path: e.path,
          type: e.type,
          sizeBytes: BigInt(e.sizeBytes),
          mode: e.mode,
          owner: e.owner,
          modifiedAt: e.modifiedAt
            ? { seconds: BigInt(Math.floor(e.modifiedAt.getTime() / 1000)), nanos: 0 }
            : undefined,
        })),
      };
    },

    async makeDir(req) {
      return {
        created: await deps.files.makeDir(running(req.sandboxId), req.path, req.user || undefined),
      };
    },

    async removePath(req) {
      await deps.files.remove(running(req.sandboxId), req.path, req.user || undefined);
      return {};
    },
  };
}

function toProcessRequest(req: ExecRequest) {
  if (!req.cmd) throw new InvalidArgumentError("cmd is required");
  return {
    cmd: req.cmd,
    args: req.args,
    envs: req.envs,
    cwd: req.cwd || undefined,
    user: req.user || undefined,
    timeoutMs: req.timeoutMs || undefined,
    tag: req.tag || undefined,
    stdin: req.stdin.length > 0 ? req.stdin : undefined,
  };
}

async function* toStream(events: AsyncIterable<RelayEvent>) {
  for await (const event of events) {
    switch (event.kind) {
      case "started":
        yield { event: { case: "startedPid" as const, value: event.pid } };
        break;
      case "exit":
        yield {
          event: {
            case: "exit" as const,
            value: {
              exitCode: event.exitCode,
              exited: event.exited,
              status: event.status,
              error: event.error,
            },
          },
        };
        break;
      default:
        yield { event: { case: event.kind, value: event.data } };
    }
  }
}
