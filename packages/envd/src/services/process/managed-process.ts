import { Code, ConnectError } from "@connectrpc/connect";
import type { Logger } from "../../log.js";
import { type EndEventFields, type ExitStatus, toEndEvent } from "./end-event.js";
import { createOutputFanout, type OutputFanout } from "./output-fanout.js";
import { spawnProcess } from "./spawn.js";
import type { PtySize, SpawnedProcess, SpawnOptions } from "./spawned-process.js";
import type { Subscriber } from "./subscriber-queue.js";

/** What `List` reports: the request's config (never the full environment) with the real cwd. */
export interface ProcessConfigFields {
  cmd: string;
  args: string[];
  envs: Record<string, string>;
  cwd: string;
}

export type ProcessInputValue =
  | { case: "stdin"; value: Uint8Array }
  | { case: "pty"; value: Uint8Array }
  | { case: undefined; value?: undefined };

export interface ManagedProcess {
  readonly pid: number;
  readonly tag: string | undefined;
  readonly config: ProcessConfigFields;
  subscribe(): Subscriber;
  signal(signal: NodeJS.Signals): void;
  sendInput(input: ProcessInputValue, signal: AbortSignal): Promise<void>;
  closeStdin(): void;
  resize(size: PtySize): void;
  /** envd is stopping: kill the process group and drop the lifetime timer. */
  shutdown(): void;
}

export interface StartProcessOptions {
  spawn: SpawnOptions;
  config: ProcessConfigFields;
  tag: string | undefined;
  /** From Connect-Timeout-Ms: the process is killed when it passes. Undefined = no limit. */
  lifetimeMs: number | undefined;
  log: Logger;
  now: () => number;
  /** Called once the child runs, before any onExit. */
  onStart(process: ManagedProcess): void;
  onExit(process: ManagedProcess): void;
}

/**
 * Spawns a process and owns it until it exits. The first subscriber exists before the child
 * does, so the Start stream cannot miss early output.
 */
export async function startManagedProcess(
  options: StartProcessOptions,
): Promise<{ process: ManagedProcess; subscriber: Subscriber }> {
  let child: SpawnedProcess | undefined;
  let managed: ManagedProcess | undefined;
  const fanout = createOutputFanout({
    pause: () => child?.pauseOutput(),
    resume: () => child?.resumeOutput(),
  });
  const subscriber = fanout.subscribe();
  const startedAt = options.now();
  const exit = {
    end: undefined as EndEventFields | undefined,
    lifetime: undefined as LongTimer | undefined,
  };

  const finish = (status: ExitStatus) => {
    exit.lifetime?.clear();
    exit.end = toEndEvent(status);
    options.log.info(
      {
        pid: child?.pid,
        cmd: options.config.cmd,
        durationMs: options.now() - startedAt,
        exitCode: exit.end.exitCode,
        status: exit.end.status,
      },
      "process exited",
    );
    fanout.end(exit.end);
    if (managed) options.onExit(managed);
  };
  try {
    child = await spawnProcess(options.spawn, {
      output: (stream, data) => fanout.publish(stream, data),
      exit: finish,
    });
  } catch (error) {
    subscriber.close();
    throw error;
  }
  options.log.info(
    { pid: child.pid, cmd: options.config.cmd, pty: child.kind === "pty", uid: options.spawn.uid },
    "process started",
  );
  managed = toManagedProcess(child, options, fanout, exit);
  options.onStart(managed);
  // Exits are I/O events and should not beat the await above, but if one did, report it now.
  if (exit.end) options.onExit(managed);
  else exit.lifetime = armLifetime(child, options);
  return { process: managed, subscriber };
}

function toManagedProcess(
  child: SpawnedProcess,
  options: StartProcessOptions,
  fanout: OutputFanout,
  exit: { readonly end: EndEventFields | undefined; readonly lifetime: LongTimer | undefined },
): ManagedProcess {
  return {
    pid: child.pid,
    tag: options.tag,
    config: options.config,
    subscribe: () => fanout.subscribe(),
    signal: (name) => child.signal(name),
    sendInput: (input, signal) => sendInput(child, input, signal),
    closeStdin: () => closeStdin(child),
    resize: (size) => resize(child, size),
    shutdown() {
      exit.lifetime?.clear();
      if (!exit.end) child.signal("SIGKILL");
    },
  };
}

function armLifetime(child: SpawnedProcess, options: StartProcessOptions): LongTimer | undefined {
  const { lifetimeMs } = options;
  if (lifetimeMs === undefined || lifetimeMs <= 0) return undefined;
  return startLongTimer(lifetimeMs, () => {
    options.log.info(
      { pid: child.pid, cmd: options.config.cmd, lifetimeMs },
      "process lifetime over, killing it",
    );
    child.signal("SIGKILL");
  });
}

async function sendInput(
  child: SpawnedProcess,
  input: ProcessInputValue,
  signal: AbortSignal,
): Promise<void> {
  if (input.case === undefined) {
    throw new ConnectError("input is empty: set input.stdin or input.pty", Code.InvalidArgument);
  }
  if (child.kind === "pty") {
    if (input.case !== "pty") {
      throw new ConnectError(
        `process ${child.pid} runs on a PTY: send its input as input.pty`,
        Code.FailedPrecondition,
      );
    }
    child.write(input.value);
    return;
  }
  if (input.case !== "stdin") {
    throw new ConnectError(
      `process ${child.pid} has no PTY: send its input as input.stdin`,
      Code.FailedPrecondition,
    );
  }
  assertStdinOpen(child.pid, child.stdin);
  if (input.value.length === 0) return;
  try {
    await child.writeStdin(input.value, signal);
  } catch (error) {
    throw new ConnectError(
      `writing to stdin of process ${child.pid} failed: ${(error as Error).message}`,
      Code.FailedPrecondition,
      undefined,
      undefined,
      error,
    );
  }
}

function assertStdinOpen(pid: number, stdin: "open" | "closed" | "none"): void {
  if (stdin === "none") {
    throw new ConnectError(
      `process ${pid} was started without stdin: start it with stdin: true to send input`,
      Code.FailedPrecondition,
    );
  }
  if (stdin === "closed") {
    throw new ConnectError(`stdin of process ${pid} is closed`, Code.FailedPrecondition);
  }
}

function closeStdin(child: SpawnedProcess): void {
  if (child.kind === "pty") {
    throw new ConnectError(
      `process ${child.pid} runs on a PTY, which has no separate stdin: send Ctrl-D (\\x04) as PTY input to signal end of input`,
      Code.FailedPrecondition,
    );
  }
  // Without a pipe (stdin: false) the child already reads /dev/null, so there is nothing to close.
  child.closeStdin();
}

function resize(child: SpawnedProcess, size: PtySize): void {
  if (child.kind !== "pty") {
    throw new ConnectError(`process ${child.pid} has no PTY to resize`, Code.FailedPrecondition);
  }
  child.resize(size);
}

interface LongTimer {
  clear(): void;
}

// setTimeout fires after 1 ms for delays past 2^31-1 ms, and Connect timeouts may be ~115 days.
const MAX_TIMER_MS = 2 ** 31 - 1;

function startLongTimer(delayMs: number, fire: () => void): LongTimer {
  let handle: NodeJS.Timeout;
  const arm = (remainingMs: number) => {
    handle =
      remainingMs > MAX_TIMER_MS
        ? setTimeout(() => arm(remainingMs - MAX_TIMER_MS), MAX_TIMER_MS)
        : setTimeout(fire, remainingMs);
  };
  arm(delayMs);
  return { clear: () => clearTimeout(handle) };
}
