import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  ConflictError,
  InvalidArgumentError,
  newSandboxId,
  parseSandboxId,
  type Uuid,
} from "@wrenn/shared";
import { initEnvd, waitForEnvd } from "../envd/envd-client.js";
import type { ManagerDeps, ResolvedTemplate } from "./deps.js";
import type { NetworkPolicy, SandboxRecord } from "./sandbox.js";
import { buildSandboxSpec } from "./sandbox-spec.js";
import { restoreFromSnapshot } from "./snapshot.js";
import { createStepMarks } from "./step-marks.js";
import { createUndoStack } from "./undo-stack.js";

export interface CreateSandboxInput {
  sandboxId?: string;
  teamId: Uuid;
  templateId: string;
  vcpus?: number;
  memoryMiB?: number;
  diskMiB?: number;
  timeoutSeconds?: number;
  envVars?: Record<string, string>;
  envdAccessToken?: string;
  network?: Partial<NetworkPolicy>;
  autoPause?: boolean;
  metadata?: Record<string, string>;
}

export const DEFAULTS = { vcpus: 1, memoryMiB: 512, diskMiB: 20_480, timeoutSeconds: 300 } as const;
const MAX_TIMEOUT_SECONDS = 30 * 24 * 3600;

/** Creates and starts a sandbox; on any failure everything done so far is undone. */
export function createSandboxCreator(deps: ManagerDeps) {
  return async function createSandbox(
    input: CreateSandboxInput,
    signal: AbortSignal,
  ): Promise<SandboxRecord> {
    const id = input.sandboxId ? parseSandboxId(input.sandboxId) : newSandboxId();
    const template = await deps.templates.resolve(input.teamId, input.templateId);
    const limits = validateLimits(input, deps, template);
    if (deps.table.has(id)) throw new ConflictError(`sandbox ${id} already exists`);

    return deps.lock.run(id, async () => {
      const now = deps.now();
      const record: SandboxRecord = {
        id,
        teamId: input.teamId,
        templateId: template.templateId,
        templateTeamId: template.teamId,
        status: "starting",
        vcpus: limits.vcpus,
        memoryMiB: limits.memoryMiB,
        diskMiB: limits.diskMiB,
        startedAt: now,
        endAt: new Date(now.getTime() + limits.timeoutSeconds * 1000),
        autoPause: input.autoPause ?? false,
        metadata: input.metadata ?? {},
        envVars: input.envVars ?? {},
        network: {
          internetAccess: input.network?.internetAccess ?? true,
          allowCidrs: input.network?.allowCidrs ?? [],
          denyCidrs: input.network?.denyCidrs ?? [],
        },
        // Empty leaves envd open (E2B's `secure: false`): only this host can reach it anyway.
        envdAccessToken: input.envdAccessToken ?? "",
        slot: undefined,
        pid: undefined,
        checkpoint: undefined,
      };
      const undo = createUndoStack(deps.log.child({ sandboxId: id, op: "create" }));
      deps.table.track(record);
      undo.push("forget record", async () => deps.table.forget(id));
      try {
        await startSandbox(deps, { record, template, undo, signal });
        undo.commit();
        deps.log.info(
          { sandboxId: id, templateId: record.templateId, durationMs: Date.now() - now.getTime() },
          "sandbox created",
        );
        return record;
      } catch (error) {
        await undo.unwind();
        throw error;
      }
    });
  };
}

async function startSandbox(
  deps: ManagerDeps,
  options: {
    record: SandboxRecord;
    /** Resolved once, before the lock: the same template the limits were checked against. */
    template: ResolvedTemplate;
    undo: ReturnType<typeof createUndoStack>;
    signal: AbortSignal;
  },
): Promise<void> {
  const { record, template, undo, signal } = options;
  const { layout } = deps;
  const id = record.id;
  const timings = createStepMarks();
  await mkdir(layout.sandboxDir(id), { recursive: true, mode: 0o700 });
  undo.push("remove sandbox dir", () =>
    rm(layout.sandboxDir(id), { recursive: true, force: true }),
  );

  const [slot, disk] = await Promise.all([
    deps.slots.acquire(record.network, signal),
    deps.disks.take(record.diskMiB, id, signal),
  ]);
  undo.push("release slot", () => deps.slots.release(slot));
  undo.push("release disk", () => deps.disks.release(id));
  timings.mark("slot+disk");

  const rootfs = layout.rootfsDir(id);
  await mkdir(rootfs, { recursive: true });
  await deps.rootfs.mount({
    lowerDirs: template.lowerDirs,
    upperDir: disk.upperDir,
    workDir: disk.workDir,
    target: rootfs,
  });
  undo.push("unmount rootfs", () => deps.rootfs.unmount(rootfs));
  await writeResolvConf(rootfs);
  timings.mark("rootfs");

  record.slot = slot;
  await deps.table.save(record);

  const spec = await buildSandboxSpec({ record, slot, layout, envd: deps.envd });
  // A snapshot template's processes are restored, envd included, already listening.
  const running =
    template.kind === "snapshot"
      ? await restoreFromSnapshot(deps, template, spec, signal)
      : { ...(await deps.runtime.start(spec, signal)), envdToken: undefined };
  timings.mark("runc");
  undo.push("kill sandbox", () => deps.runtime.kill(id));
  record.pid = running.pid;

  if (template.kind !== "snapshot") await waitForEnvd(slot.sandboxAddress, signal);
  timings.mark("envd ready");
  await initEnvd(
    slot.sandboxAddress,
    {
      envVars: record.envVars,
      accessToken: record.envdAccessToken,
      defaultUser: "user",
      defaultWorkdir: "/home/user",
    },
    { signal, currentToken: running.envdToken },
  );
  timings.mark("envd init");
  record.status = "running";
  await deps.table.save(record);
  deps.log.debug({ sandboxId: id, stepsMs: timings.steps }, "create steps");
}

function validateLimits(
  input: CreateSandboxInput,
  deps: ManagerDeps,
  template: { kind: string; vcpus?: number; memoryMiB?: number },
) {
  const problems: string[] = [];
  // Snapshot templates carry their memory image: their size is fixed.
  const vcpus =
    template.kind === "snapshot"
      ? (template.vcpus ?? DEFAULTS.vcpus)
      : (input.vcpus ?? DEFAULTS.vcpus);
  const memoryMiB =
    template.kind === "snapshot"
      ? (template.memoryMiB ?? DEFAULTS.memoryMiB)
      : (input.memoryMiB ?? DEFAULTS.memoryMiB);
  const diskMiB = input.diskMiB ?? DEFAULTS.diskMiB;
  const timeoutSeconds = input.timeoutSeconds ?? DEFAULTS.timeoutSeconds;
  if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > deps.limits.cpuCount) {
    problems.push(
      `vcpus must be between 1 and ${deps.limits.cpuCount} (this host's CPUs), got ${vcpus}`,
    );
  }
  if (!Number.isInteger(memoryMiB) || memoryMiB < 128 || memoryMiB > deps.limits.memoryMiB) {
    problems.push(`memoryMiB must be between 128 and ${deps.limits.memoryMiB}, got ${memoryMiB}`);
  }
  if (!Number.isInteger(diskMiB) || diskMiB < 256 || diskMiB > deps.limits.maxDiskMiB) {
    problems.push(`diskMiB must be between 256 and ${deps.limits.maxDiskMiB}, got ${diskMiB}`);
  }
  if (
    !Number.isInteger(timeoutSeconds) ||
    timeoutSeconds < 1 ||
    timeoutSeconds > MAX_TIMEOUT_SECONDS
  ) {
    problems.push(
      `timeoutSeconds must be between 1 and ${MAX_TIMEOUT_SECONDS}, got ${timeoutSeconds}`,
    );
  }
  if (problems.length > 0) throw new InvalidArgumentError(problems.join("; "));
  return { vcpus, memoryMiB, diskMiB, timeoutSeconds };
}

/** The host's resolvers, unless they are loopback stubs the sandbox cannot reach. */
async function writeResolvConf(rootfs: string): Promise<void> {
  let servers: string[] = [];
  try {
    const text = await readFile("/etc/resolv.conf", "utf8");
    servers = [...text.matchAll(/^nameserver\s+(\S+)/gm)]
      .map((m) => m[1]!)
      .filter((ip) => !ip.startsWith("127.") && ip !== "::1");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (servers.length === 0) servers = ["1.1.1.1", "8.8.8.8"];
  await writeFile(
    join(rootfs, "etc/resolv.conf"),
    servers.map((s) => `nameserver ${s}\n`).join(""),
  );
}
