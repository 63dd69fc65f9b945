import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { type Process, Signal, type StartRequest } from "@wrenn/proto/envd/process";
import type { Identity } from "../../identity.js";
import type { Logger } from "../../log.js";
import type { EnvdState } from "../../state.js";
import type { User, UserDirectory } from "../../users.js";
import { buildEnvironment } from "./environment.js";
import { keepaliveIntervalMs, streamProcessEvents } from "./event-stream.js";
import { type ManagedProcess, startManagedProcess } from "./managed-process.js";
import { createProcessTable } from "./process-table.js";
import type { PtySize } from "./spawned-process.js";
import { resolveWorkingDir } from "./working-dir.js";

export interface ProcessServiceDeps {
  state: EnvdState;
  users: UserDirectory;
  identity: Identity;
  log: Logger;
  /** Injectable for tests; Date.now by default. */
  now?: () => number;
}

const SIGNALS: Partial<Record<Signal, NodeJS.Signals>> = {
  [Signal.SIGKILL]: "SIGKILL",
  [Signal.SIGTERM]: "SIGTERM",
};

const DEFAULT_PTY_SIZE: PtySize = { cols: 80, rows: 24 };

/** `process.Process`: the RPC handlers only; processes live in the table. */
export function createProcessService(deps: ProcessServiceDeps): {
  impl: ServiceImpl<typeof Process>;
  shutdown(): void;
} {
  const now = deps.now ?? Date.now;
  const table = createProcessTable<ManagedProcess>({
    now,
    retainExitedMs: 60_000,
    maxExited: 256,
  });

  // Like infra's middleware: every call acts as someone, and an unknown user is refused.
  const authenticate = (ctx: HandlerContext): User =>
    deps.identity.fromBasicAuth(ctx.requestHeader.get("authorization"));

  async function launch(req: StartRequest, ctx: HandlerContext, user: User) {
    const config = req.process;
    if (!config?.cmd) throw new ConnectError("process.cmd is required", Code.InvalidArgument);
    const cwd = await resolveWorkingDir(config.cwd, user, deps.state.defaultWorkdir);
    const env = buildEnvironment({ user, sandbox: deps.state.envVars, requested: config.envs });
    return startManagedProcess({
      spawn: {
        cmd: config.cmd,
        args: config.args,
        env,
        cwd,
        uid: user.uid,
        gid: user.gid,
        pty: req.pty ? ptySize(req.pty.size, DEFAULT_PTY_SIZE) : undefined,
        stdin: req.stdin !== false,
        log: deps.log,
      },
      config: { cmd: config.cmd, args: [...config.args], envs: { ...config.envs }, cwd },
      tag: req.tag,
      // connect-node turns the same header into a deadline for this stream; the process gets
      // its own timer because it must also die when nobody is listening any more.
      lifetimeMs: ctx.timeoutMs(),
      log: deps.log,
      now,
      onStart: (started) => table.add(started),
      onExit: (exited) => table.markExited(exited),
    });
  }

  const impl: ServiceImpl<typeof Process> = {
    async *start(req, ctx) {
      const user = authenticate(ctx);
      const { process: started, subscriber } = await launch(req, ctx, user);
      yield* streamProcessEvents({
        pid: started.pid,
        subscriber,
        keepaliveMs: keepaliveIntervalMs(ctx.requestHeader.get("keepalive-ping-interval")),
        signal: ctx.signal,
      });
    },

    async *connect(req, ctx) {
      authenticate(ctx);
      const target = table.find(req.process?.selector);
      yield* streamProcessEvents({
        pid: target.pid,
        subscriber: target.subscribe(),
        keepaliveMs: keepaliveIntervalMs(ctx.requestHeader.get("keepalive-ping-interval")),
        signal: ctx.signal,
      });
    },

    list(_req, ctx) {
      authenticate(ctx);
      return {
        processes: table.listRunning().map((p) => ({ config: p.config, pid: p.pid, tag: p.tag })),
      };
    },

    async sendInput(req, ctx) {
      authenticate(ctx);
      const target = table.findRunning(req.process?.selector);
      await target.sendInput(req.input?.input ?? { case: undefined }, ctx.signal);
      return {};
    },

    async streamInput(requests, ctx) {
      authenticate(ctx);
      let target: ManagedProcess | undefined;
      for await (const req of requests) {
        const event = req.event;
        if (event.case === "start") {
          target = table.findRunning(event.value.process?.selector);
        } else if (event.case === "data") {
          if (!target) {
            throw new ConnectError(
              "the first StreamInput event must be start, selecting the process",
              Code.FailedPrecondition,
            );
          }
          await target.sendInput(event.value.input?.input ?? { case: undefined }, ctx.signal);
        }
        // Keepalives only keep intermediaries from closing the stream.
      }
      return {};
    },

    sendSignal(req, ctx) {
      authenticate(ctx);
      const name = SIGNALS[req.signal];
      if (!name) {
        throw new ConnectError(
          `signal ${signalLabel(req.signal)} is not supported: send SIGNAL_SIGKILL or SIGNAL_SIGTERM`,
          Code.Unimplemented,
        );
      }
      table.findRunning(req.process?.selector).signal(name);
      return {};
    },

    closeStdin(req, ctx) {
      authenticate(ctx);
      table.findRunning(req.process?.selector).closeStdin();
      return {};
    },

    update(req, ctx) {
      authenticate(ctx);
      const target = table.findRunning(req.process?.selector);
      if (req.pty) {
        const size = ptySize(req.pty.size, undefined);
        if (!size) throw new ConnectError("pty.size is required to resize", Code.InvalidArgument);
        target.resize(size);
      }
      return {};
    },
  };

  return {
    impl,
    shutdown() {
      for (const running of table.listRunning()) running.shutdown();
    },
  };
}

/** A missing size takes the fallback; a zero dimension is a client bug. */
function ptySize(
  size: { cols: number; rows: number } | undefined,
  fallback: PtySize | undefined,
): PtySize | undefined {
  if (!size) return fallback;
  if (size.cols < 1 || size.rows < 1) {
    throw new ConnectError(
      `pty.size must have positive cols and rows, got ${size.cols}x${size.rows}`,
      Code.InvalidArgument,
    );
  }
  return { cols: size.cols, rows: size.rows };
}

/** The proto name (SIGNAL_SIGINT style) when the value is known, else the number. */
function signalLabel(signal: Signal): string {
  const name = Signal[signal];
  return name === undefined ? String(signal) : `SIGNAL_${name}`;
}
