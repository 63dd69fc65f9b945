import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { Code, ConnectError } from "@connectrpc/connect";
import { type ExitStatus, signalNumber } from "./end-event.js";
import { signalProcessGroup } from "./process-group.js";
import type { PipeProcess, ProcessSink, SpawnOptions } from "./spawned-process.js";

/** A child on stdio pipes in its own session, stdout and stderr kept apart. */
export async function spawnPipes(options: SpawnOptions, sink: ProcessSink): Promise<PipeProcess> {
  const child = startChild(options);
  const pid = child.pid;
  if (pid === undefined) {
    // ENOENT/EACCES are reported on the next tick rather than thrown.
    const [error] = (await once(child, "error")) as [Error];
    throw startError(options.cmd, error);
  }
  const stdout = child.stdout!;
  const stderr = child.stderr!;
  stdout.on("data", (chunk: Buffer) => sink.output("stdout", chunk));
  stderr.on("data", (chunk: Buffer) => sink.output("stderr", chunk));
  // "close" (not "exit") waits until every holder of the pipes let go: no output is lost.
  child.once("close", (code, signal) => sink.exit(exitStatus(code, signal)));
  child.on("error", (error) => options.log.warn({ err: error, pid }, "child process error"));

  let stdinError: Error | undefined;
  // A child that exits without reading its stdin makes our next write fail with EPIPE; the
  // writer learns it through its callback, and this listener keeps envd from crashing on it.
  child.stdin?.on("error", (error) => {
    stdinError = error;
  });

  return {
    kind: "pipes",
    pid,
    get stdin() {
      if (!child.stdin) return "none";
      return child.stdin.writableEnded || child.stdin.destroyed || stdinError ? "closed" : "open";
    },
    writeStdin: (data, signal) => writeTo(child, data, signal),
    closeStdin: () => child.stdin?.end(),
    signal: (name) => signalProcessGroup(pid, name),
    pauseOutput() {
      stdout.pause();
      stderr.pause();
    },
    resumeOutput() {
      stdout.resume();
      stderr.resume();
    },
  };
}

function startChild(options: SpawnOptions): ChildProcess {
  try {
    return spawn(options.cmd, [...options.args], {
      cwd: options.cwd,
      env: { ...options.env },
      uid: options.uid,
      gid: options.gid,
      // Own session and process group: signals go to the whole tree, and the child never
      // gets envd's terminal signals.
      detached: true,
      stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
    });
  } catch (error) {
    throw startError(options.cmd, error as Error);
  }
}

function writeTo(child: ChildProcess, data: Uint8Array, signal: AbortSignal): Promise<void> {
  const stdin = child.stdin;
  if (!stdin) return Promise.reject(new Error("stdin is not a pipe"));
  return new Promise((resolve, reject) => {
    // A child that does not read keeps the pipe full; the caller's deadline still ends the wait.
    const onAbort = () => reject(signal.reason ?? new Error("aborted"));
    if (signal.aborted) return onAbort();
    signal.addEventListener("abort", onAbort, { once: true });
    stdin.write(data, (error) => {
      signal.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve();
    });
  });
}

function exitStatus(code: number | null, signal: NodeJS.Signals | null): ExitStatus {
  if (signal !== null) return { signal: signalNumber(signal) };
  if (code !== null) return { code };
  throw new Error("child closed with neither an exit code nor a signal");
}

function startError(cmd: string, error: Error): ConnectError {
  const code = (error as NodeJS.ErrnoException).code;
  const callerMistake = code === "ENOENT" || code === "EACCES" || code === "ENOTDIR";
  return new ConnectError(
    `failed to start '${cmd}': ${error.message}`,
    callerMistake ? Code.InvalidArgument : Code.Internal,
    undefined,
    undefined,
    error,
  );
}
