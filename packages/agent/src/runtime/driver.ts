import type { SandboxId } from "@wrenn/shared";

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

export type RuntimeStatus = "created" | "running" | "paused" | "stopped";

export interface RuntimeDriver {
  readonly name: "runc" | "runsc" | "firecracker";
  start(spec: SandboxSpec, signal: AbortSignal): Promise<RunningSandbox>;
  checkpoint(id: SandboxId, imageDir: string, signal: AbortSignal): Promise<void>;
  restore(spec: SandboxSpec, imageDir: string, signal: AbortSignal): Promise<RunningSandbox>;
  /** Idempotent: a sandbox already gone is not an error. */
  kill(id: SandboxId): Promise<void>;
  /** What really runs, to re-adopt after an agent crash. */
  list(): Promise<{ id: string; pid: number; status: RuntimeStatus }[]>;
}
