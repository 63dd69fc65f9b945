import { isAbsolute, join } from "node:path";
import type { SandboxId, Uuid } from "@wrenn/shared";

/**
 * The one owner of host paths: every file the agent keeps lives under WRENN_DIR, at a path
 * built here. Branded ids hold no "/" or "..", so joins cannot escape the root.
 */
export function createLayout(root: string) {
  // CRIU and runc fail on relative image and bundle paths.
  if (!isAbsolute(root)) throw new Error(`WRENN_DIR must be an absolute path: ${root}`);
  const sandboxDir = (id: SandboxId) => join(root, "sandboxes", id);
  const templateDir = (teamId: Uuid, templateId: string) =>
    join(root, "images", "teams", teamId, templateId);
  const templateFilesIn = (dir: string) => ({
    rootfs: join(dir, "rootfs"),
    manifest: join(dir, "template.json"),
    checkpoint: join(dir, "checkpoint"),
    secrets: join(dir, "envd.json"),
  });
  // A pooled disk's dir is renamed into place as a sandbox dir: both hold the same files.
  const diskFilesIn = (dir: string) => ({
    image: join(dir, "disk.img"),
    mountDir: join(dir, "disk"),
    upperDir: join(dir, "disk", "upper"),
    workDir: join(dir, "disk", "work"),
  });
  return {
    root,
    criuWrapper: join(root, "criu", "criu"),
    imagesDir: join(root, "images"),
    teamImagesDir: (teamId: Uuid) => join(root, "images", "teams", teamId),
    templateDir,
    /** The read-only lower layer: a rootfs directory. */
    templateRootfs: (teamId: Uuid, templateId: string) =>
      join(templateDir(teamId, templateId), "rootfs"),
    templateManifest: (teamId: Uuid, templateId: string) =>
      join(templateDir(teamId, templateId), "template.json"),
    /** Written by build-base-template.sh: the recipe hash that built this rootfs. */
    templateRecipe: (teamId: Uuid, templateId: string) =>
      join(templateDir(teamId, templateId), "rootfs", ".wrenn-recipe"),
    sandboxesDir: join(root, "sandboxes"),
    sandboxDir,
    sandboxRecord: (id: SandboxId) => join(sandboxDir(id), "sandbox.json"),
    bundleDir: (id: SandboxId) => join(sandboxDir(id), "bundle"),
    rootfsDir: (id: SandboxId) => join(sandboxDir(id), "bundle", "rootfs"),
    /** The upper layer lives on its own size-limited filesystem image. */
    diskImage: (id: SandboxId) => diskFilesIn(sandboxDir(id)).image,
    diskMount: (id: SandboxId) => diskFilesIn(sandboxDir(id)).mountDir,
    upperDir: (id: SandboxId) => diskFilesIn(sandboxDir(id)).upperDir,
    workDir: (id: SandboxId) => diskFilesIn(sandboxDir(id)).workDir,
    /** Prepared disks; under WRENN_DIR like sandboxes/, so taking one is a rename. */
    diskPoolDir: join(root, "pool", "disks"),
    /** A prepared disk's dir: it holds the disk's files as a sandbox dir does (diskFilesIn). */
    diskPoolEntry: (name: string) => join(root, "pool", "disks", name),
    diskFilesIn,
    /** A sandbox's memory images; each pause writes a fresh one (`name`) beside the last. */
    checkpointDir: (id: SandboxId) => join(root, "snapshots", id),
    checkpointImageDir: (id: SandboxId, name: string) => join(root, "snapshots", id, name),
    /** CRIU's work dir of a sandbox (dump.log, restore.log). */
    criuWorkDir: (id: SandboxId) => join(sandboxDir(id), "criu"),
    /** The runc driver's own CRIU files: its config (options runc cannot pass) and shim. */
    criuAgentDir: join(root, "criu", "agent"),
    criuConfig: join(root, "criu", "agent", "runc.conf"),
    /** A snapshot template's memory image and envd's token at the moment it was taken. */
    templateCheckpointDir: (teamId: Uuid, templateId: string) =>
      templateFilesIn(templateDir(teamId, templateId)).checkpoint,
    templateSecrets: (teamId: Uuid, templateId: string) =>
      templateFilesIn(templateDir(teamId, templateId)).secrets,
    /** The files of a template dir, also while it is assembled under another name. */
    templateFilesIn,
    /**
     * Where a template is assembled, or moved to be deleted: template ids never start
     * with ".", so these are never taken for templates.
     */
    templateScratchDir: (teamId: Uuid, name: string) =>
      join(root, "images", "teams", teamId, `.${name}`),
    /** runc's state lives on tmpfs: it must not outlive the processes it describes (reboot). */
    runcRoot: "/run/wrenn/runc",
    /** The sandbox's cgroup in a v1 hierarchy (runc's cgroupsPath is /wrenn/<id>). */
    cgroupDir: (controller: "cpuacct" | "memory" | "pids" | "freezer", id: SandboxId) =>
      join("/sys/fs/cgroup", controller, "wrenn", id),
    netnsDir: "/run/netns",
    logsDir: join(root, "logs"),
  };
}

export type Layout = ReturnType<typeof createLayout>;
