import type { SandboxId, Uuid } from "@wrenn/shared";
import type { Logger } from "pino";
import type { Layout } from "../layout.js";
import type { RuncDriver } from "../runtime/runc/runc-driver.js";
import type { KeyedLock } from "./keyed-lock.js";
import type { NetworkPolicy } from "./sandbox.js";
import type { SandboxTable } from "./sandbox-table.js";

/** A network slot as the manager needs it (network/ implements it). */
export interface SlotLease {
  readonly index: number;
  readonly netnsPath: string;
  readonly sandboxAddress: string;
  readonly hostVeth: string;
}

export interface Slots {
  acquire(policy: NetworkPolicy, signal: AbortSignal): Promise<SlotLease>;
  release(slot: SlotLease): Promise<void>;
  /** Marks a slot in use by a sandbox that survived an agent restart. */
  adopt(index: number, policy: NetworkPolicy): Promise<SlotLease>;
  reapUnadopted(): Promise<unknown>;
  readCounters(slot: SlotLease): Promise<{ rxBytes: number; txBytes: number }>;
  /** Aborts the host's TCP connections to the slot's address (its sandbox's processes are gone). */
  closeHostConnections(slot: SlotLease): Promise<void>;
}

/** The sandbox's writable layer on its own size-limited filesystem (storage/ implements it). */
export interface Disks {
  take(
    sizeMiB: number,
    id: SandboxId,
    signal: AbortSignal,
  ): Promise<{ upperDir: string; workDir: string }>;
  /** Mounts an existing disk again (agent restart, resume). */
  attach(id: SandboxId): Promise<{ upperDir: string; workDir: string }>;
  /** Unmounts the disk and keeps its image (pause). */
  detach(id: SandboxId): Promise<void>;
  release(id: SandboxId): Promise<void>;
  usage(id: SandboxId): Promise<{ usedBytes: number; totalBytes: number }>;
}

export interface ResolvedTemplate {
  readonly teamId: Uuid;
  readonly templateId: string;
  readonly kind: "base" | "snapshot";
  /** Read-only layers, top first. */
  readonly lowerDirs: readonly string[];
  readonly vcpus?: number;
  readonly memoryMiB?: number;
  /** The template layers below this one's own rootfs, top first (snapshots). */
  readonly manifest: {
    readonly lowerLayers?: readonly { readonly teamId: Uuid; readonly templateId: string }[];
  };
}

export interface Templates {
  resolve(teamId: Uuid, templateId: string): Promise<ResolvedTemplate>;
  /** The templates a team can use: its own, then the platform's. */
  list(teamId: Uuid): Promise<{ teamId: Uuid; templateId: string }[]>;
}

export interface Rootfs {
  mount(options: {
    lowerDirs: readonly string[];
    upperDir: string;
    workDir: string;
    target: string;
  }): Promise<void>;
  unmount(target: string): Promise<void>;
}

export interface HostLimits {
  readonly cpuCount: number;
  readonly memoryMiB: number;
  readonly maxDiskMiB: number;
}

/** How envd gets into every sandbox: host files bind-mounted read-only. */
export interface EnvdArtifacts {
  readonly nodeBinary: string;
  readonly envdDir: string;
}

export interface ManagerDeps {
  readonly log: Logger;
  readonly layout: Layout;
  readonly table: SandboxTable;
  readonly lock: KeyedLock;
  readonly slots: Slots;
  readonly disks: Disks;
  readonly templates: Templates;
  readonly rootfs: Rootfs;
  readonly runtime: RuncDriver;
  readonly envd: EnvdArtifacts;
  readonly limits: HostLimits;
  readonly now: () => Date;
}
