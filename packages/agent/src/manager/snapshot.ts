import {
  ConflictError,
  InvalidArgumentError,
  InvalidStateError,
  NotFoundError,
  type SandboxId,
  type Uuid,
  WrennError,
} from "@wrenn/shared";
import type { RunningSandbox, SandboxSpec } from "../runtime/driver.js";
import {
  readSnapshotToken,
  removeTemplateFiles,
  writeSnapshotTemplate,
} from "../storage/snapshot-templates.js";
import { checkTemplateId, readTemplateManifest } from "../storage/template-manifest.js";
import type { ManagerDeps } from "./deps.js";
import { DEFAULT_DRAIN_GRACE_MS, type PauseDeps, pauseHeld } from "./pause.js";

export interface CreateSnapshotInput {
  readonly sandboxId: SandboxId;
  readonly teamId: Uuid;
  /** The new template's id in the team's folder. */
  readonly templateId: string;
  /** Keep the source sandbox (paused) instead of destroying it. */
  readonly keepSource: boolean;
  /** Replace a snapshot template of the same id that no sandbox uses. */
  readonly overwrite: boolean;
}

export interface SnapshotTemplateInfo {
  readonly teamId: Uuid;
  readonly templateId: string;
  readonly vcpus: number;
  readonly memoryMiB: number;
  readonly sizeBytes: number;
}

export interface SnapshotDeps extends PauseDeps {
  destroy(id: SandboxId): Promise<void>;
}

/** Templates are locked under their own keys, beside the sandboxes' ids. */
const templateKey = (teamId: Uuid, templateId: string) => `template:${teamId}/${templateId}`;

/**
 * Snapshot templates: a paused sandbox's memory image and upper layer, stored as a template
 * of its team; sandboxes created from it start by restoring that image (create.ts).
 */
export function createSnapshotManager(deps: SnapshotDeps) {
  async function create(input: CreateSnapshotInput): Promise<SnapshotTemplateInfo> {
    checkTemplateId(input.templateId);
    const source = deps.table.get(input.sandboxId);
    // Another team's sandbox does not exist for this caller.
    if (source.teamId !== input.teamId) throw new NotFoundError("sandbox", input.sandboxId);
    const info = await deps.lock.run(templateKey(input.teamId, input.templateId), async () => {
      const existing = await readTemplateManifest(
        deps.layout.templateManifest(input.teamId, input.templateId),
      );
      if (existing) {
        if (!input.overwrite) {
          throw new ConflictError(
            `template ${input.templateId} already exists; set overwrite to replace it`,
          );
        }
        if (existing.kind !== "snapshot") {
          throw new InvalidArgumentError(
            `template ${input.templateId} is a ${existing.kind} template; only snapshots can be overwritten`,
          );
        }
        await assertUnused(input.teamId, input.templateId, "overwrite");
      }
      return deps.lock.run(input.sandboxId, () => snapshotHeld(input));
    });
    if (!input.keepSource) await deps.destroy(input.sandboxId);
    return info;
  }

  /** Under the sandbox's lock: pause it (memory kept) unless it is, then copy it out. */
  async function snapshotHeld(input: CreateSnapshotInput): Promise<SnapshotTemplateInfo> {
    const id = input.sandboxId;
    const started = performance.now();
    const record = deps.table.get(id);
    if (record.status === "running") {
      await pauseHeld(deps, id, { memory: true, drainGraceMs: DEFAULT_DRAIN_GRACE_MS });
    } else if (record.status !== "paused") {
      throw new InvalidStateError(record.status, "snapshot");
    }
    if (record.checkpoint === undefined) {
      throw new InvalidStateError("paused", "snapshot", "it was paused without its memory");
    }
    const parent = await deps.templates.resolve(record.templateTeamId, record.templateId);
    const disk = await deps.disks.attach(id);
    let sizeBytes: number;
    try {
      ({ sizeBytes } = await writeSnapshotTemplate(deps, {
        teamId: input.teamId,
        templateId: input.templateId,
        upperDir: disk.upperDir,
        imageDir: deps.layout.checkpointImageDir(id, record.checkpoint),
        envdAccessToken: record.envdAccessToken,
        manifest: {
          id: input.templateId,
          kind: "snapshot",
          createdAt: deps.now().toISOString(),
          vcpus: record.vcpus,
          memoryMiB: record.memoryMiB,
          lowerLayers: [
            { teamId: parent.teamId, templateId: parent.templateId },
            ...(parent.manifest.lowerLayers ?? []),
          ],
        },
      }));
    } finally {
      // A paused sandbox holds no mounts.
      await deps.disks.detach(id);
    }
    deps.log.info(
      {
        sandboxId: id,
        templateId: input.templateId,
        sizeBytes,
        durationMs: Math.round(performance.now() - started),
      },
      "snapshot template created",
    );
    return {
      teamId: input.teamId,
      templateId: input.templateId,
      vcpus: record.vcpus,
      memoryMiB: record.memoryMiB,
      sizeBytes,
    };
  }

  async function remove(teamId: Uuid, templateId: string): Promise<void> {
    checkTemplateId(templateId);
    await deps.lock.run(templateKey(teamId, templateId), async () => {
      const manifest = await readTemplateManifest(deps.layout.templateManifest(teamId, templateId));
      if (!manifest) throw new NotFoundError("template", templateId);
      if (manifest.kind !== "snapshot") {
        throw new InvalidArgumentError(`template ${templateId} is not a snapshot template`);
      }
      await assertUnused(teamId, templateId, "delete");
      await removeTemplateFiles(deps, teamId, templateId);
      deps.log.info({ teamId, templateId }, "snapshot template deleted");
    });
  }

  /** Live overlays must never lose a lower layer: sandboxes and stacked snapshots keep it. */
  async function assertUnused(teamId: Uuid, templateId: string, action: string): Promise<void> {
    const sandboxes = deps.table
      .list()
      .filter((r) => r.templateTeamId === teamId && r.templateId === templateId)
      .map((r) => `${r.id} (${r.status})`);
    const templates: string[] = [];
    for (const ref of await deps.templates.list(teamId)) {
      if (ref.teamId !== teamId || ref.templateId === templateId) continue;
      const manifest = await readTemplateManifest(
        deps.layout.templateManifest(ref.teamId, ref.templateId),
      );
      const stacked = manifest?.lowerLayers?.some(
        (l) => l.teamId === teamId && l.templateId === templateId,
      );
      if (stacked) templates.push(ref.templateId);
    }
    const users = [
      ...(sandboxes.length > 0 ? [`sandboxes ${sandboxes.join(", ")}`] : []),
      ...(templates.length > 0 ? [`snapshot templates ${templates.join(", ")}`] : []),
    ];
    if (users.length > 0) {
      throw new WrennError(
        "invalid_state",
        `cannot ${action} snapshot template ${templateId}: still used by ${users.join(" and ")}`,
      );
    }
  }

  return { create, remove };
}

export type SnapshotManager = ReturnType<typeof createSnapshotManager>;

/**
 * A new sandbox's processes, restored from a snapshot template's image into the sandbox's
 * own slot, cgroup and rootfs. Also returns the token envd had when the snapshot was taken:
 * the first /init must carry it.
 */
export async function restoreFromSnapshot(
  deps: Pick<ManagerDeps, "layout" | "runtime">,
  template: { readonly teamId: Uuid; readonly templateId: string },
  spec: SandboxSpec,
  signal: AbortSignal,
): Promise<RunningSandbox & { envdToken: string }> {
  const envdToken = await readSnapshotToken(deps.layout, template.teamId, template.templateId);
  const running = await deps.runtime.restore(
    spec,
    {
      imageDir: deps.layout.templateCheckpointDir(template.teamId, template.templateId),
      workDir: deps.layout.criuWorkDir(spec.id),
    },
    signal,
  );
  return { ...running, envdToken };
}
