import { type SandboxId, WrennError } from "@wrenn/shared";

/** What the runtime needs to run one sandbox; paths come from the layout, limits from the request. */
export interface SandboxSpec {
  readonly id: SandboxId;
  readonly bundleDir: string;
  /** The merged overlay the sandbox sees as "/". */
  readonly rootfsDir: string;
  readonly netnsPath: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly pidsLimit: number;
  /** The init command line inside the sandbox (tini → node → envd). */
  readonly args: readonly string[];
  readonly env: readonly string[];
  /** Host paths bind-mounted read-only into the sandbox. */
  readonly readonlyBinds: readonly { source: string; destination: string }[];
}

export interface RunningSandbox {
  readonly id: SandboxId;
  /** Host pid of the sandbox's init. */
  readonly pid: number;
}

/** Where one checkpoint's files go; both absolute (CRIU refuses relative paths). */
export interface CheckpointPaths {
  /** The memory image: a fresh dir for a checkpoint, read only by a restore. */
  readonly imageDir: string;
  /** CRIU's logs (dump.log, restore.log); one per sandbox, so concurrent restores do not mix. */
  readonly workDir: string;
}

/**
 * CRIU could not checkpoint or restore the sandbox; the message carries the tail of CRIU's
 * log (what it refused to dump, what it could not restore). The sandbox's state decides
 * (a process CRIU cannot handle), so the code is invalid_state.
 */
export class CheckpointError extends WrennError {
  constructor(
    readonly operation: "checkpoint" | "restore",
    readonly sandboxId: SandboxId,
    readonly criuLog: string,
    options?: { cause?: unknown },
  ) {
    super("invalid_state", `${operation} of sandbox ${sandboxId} failed: ${criuLog}`, options);
  }
}

export type RuntimeStatus = "created" | "running" | "paused" | "stopped";

export interface RuntimeDriver {
  readonly name: "runc" | "runsc" | "firecracker";
  start(spec: SandboxSpec, signal: AbortSignal): Promise<RunningSandbox>;
  /** Freezes, dumps every process with its memory, and ends the sandbox's processes. */
  checkpoint(id: SandboxId, paths: CheckpointPaths, signal: AbortSignal): Promise<void>;
  /** Starts the sandbox described by `spec` from a checkpoint (any id, slot and rootfs). */
  restore(spec: SandboxSpec, paths: CheckpointPaths, signal: AbortSignal): Promise<RunningSandbox>;
  /** Idempotent: a sandbox already gone is not an error. */
  kill(id: SandboxId): Promise<void>;
  /** What really runs, to re-adopt after an agent crash. */
  list(): Promise<{ id: string; pid: number; status: RuntimeStatus }[]>;
}
