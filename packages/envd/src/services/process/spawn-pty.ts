import { Code, ConnectError } from "@connectrpc/connect";
import type { IPty } from "node-pty";
import type { ExitStatus } from "./end-event.js";
import { signalProcessGroup } from "./process-group.js";
import type { ProcessSink, PtyProcess, PtySize, SpawnOptions } from "./spawned-process.js";

/**
 * A child on a real pseudo-terminal; it is the session leader, so its pid is its group.
 * node-pty (and its native addon) loads on the first PTY: most sandboxes never open one, and
 * envd's idle memory is paid by every sandbox.
 */
export async function spawnPty(
  options: SpawnOptions,
  size: PtySize,
  sink: ProcessSink,
): Promise<PtyProcess> {
  let terminal: IPty;
  try {
    const pty = await import("node-pty");
    terminal = pty.spawn(options.cmd, [...options.args], {
      name: options.env.TERM,
      cols: size.cols,
      rows: size.rows,
      cwd: options.cwd,
      env: { ...options.env },
      uid: options.uid,
      gid: options.gid,
      // Raw Buffers: decoding here would break UTF-8 sequences split across reads.
      encoding: null,
    });
  } catch (error) {
    throw new ConnectError(
      `failed to start '${options.cmd}' on a PTY: ${(error as Error).message}`,
      Code.Internal,
      undefined,
      undefined,
      error,
    );
  }
  const pid = terminal.pid;
  // With encoding null node-pty emits Buffers, though its typings still say string.
  terminal.onData((data: string | Buffer) =>
    sink.output("pty", typeof data === "string" ? Buffer.from(data) : data),
  );
  // node-pty reports exit only after the terminal's output was drained.
  terminal.onExit(({ exitCode, signal }) => sink.exit(ptyExitStatus(exitCode, signal)));

  return {
    kind: "pty",
    pid,
    write: (data) => terminal.write(Buffer.from(data)),
    resize: ({ cols, rows }) => terminal.resize(cols, rows),
    signal: (name) => signalProcessGroup(pid, name),
    pauseOutput: () => terminal.pause(),
    resumeOutput: () => terminal.resume(),
  };
}

function ptyExitStatus(exitCode: number, signal: number | undefined): ExitStatus {
  // node-pty passes signal 0 for a normal exit.
  return signal ? { signal } : { code: exitCode };
}
