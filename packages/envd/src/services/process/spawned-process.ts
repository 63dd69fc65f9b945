import type { Logger } from "../../log.js";
import type { ExitStatus } from "./end-event.js";

export type OutputStream = "stdout" | "stderr" | "pty";

export interface PtySize {
  cols: number;
  rows: number;
}

/** Where a child's output goes. Chunks are forwarded as the kernel hands them over, never decoded. */
export interface ProcessSink {
  output(stream: OutputStream, data: Buffer): void;
  /** Called once, after the last output chunk. */
  exit(status: ExitStatus): void;
}

export interface SpawnOptions {
  cmd: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd: string;
  uid: number;
  gid: number;
  /** A real terminal of this size; absent = plain pipes. */
  pty: PtySize | undefined;
  /** Pipes only: false makes stdin /dev/null so readers see EOF at once. */
  stdin: boolean;
  log: Logger;
}

interface CommonProcess {
  readonly pid: number;
  /** Signals the child's whole process group, so `bash -c` cannot leave orphans behind. */
  signal(signal: NodeJS.Signals): void;
  /** Backpressure: stop reading output while a subscriber is far behind. */
  pauseOutput(): void;
  resumeOutput(): void;
}

export interface PipeProcess extends CommonProcess {
  readonly kind: "pipes";
  readonly stdin: "open" | "closed" | "none";
  /** Resolves once the bytes reached the pipe; rejects with the pipe's error (EPIPE). */
  writeStdin(data: Uint8Array, signal: AbortSignal): Promise<void>;
  closeStdin(): void;
}

export interface PtyProcess extends CommonProcess {
  readonly kind: "pty";
  write(data: Uint8Array): void;
  resize(size: PtySize): void;
}

export type SpawnedProcess = PipeProcess | PtyProcess;
