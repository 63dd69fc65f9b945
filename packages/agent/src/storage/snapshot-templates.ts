import { randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import type { Uuid } from "@wrenn/shared";
import type { Logger } from "pino";
import { exec } from "../exec.js";
import type { Layout } from "../layout.js";
import { pathExists } from "./fs-util.js";
import { type TemplateManifest, writeTemplateManifest } from "./template-manifest.js";

export interface SnapshotTemplateSource {
  readonly teamId: Uuid;
  readonly templateId: string;
  /** The source sandbox's upper layer (its disk mounted), copied as the template's rootfs. */
  readonly upperDir: string;
  /** The source's checkpoint image. */
  readonly imageDir: string;
  readonly manifest: TemplateManifest;
  /** envd's token inside the image: the first /init of every restored copy needs it. */
  readonly envdAccessToken: string;
}

/**
 * Writes a snapshot template: rootfs/ (a copy of the upper layer, whiteouts and overlay
 * xattrs included, so it works as a lower layer above the source's own lowers), checkpoint/
 * and envd.json (0600), assembled in a scratch dir and renamed into place; the manifest
 * comes last, so a template without one does not exist yet. An existing template of the same
 * id is replaced (the caller decided that it may be).
 */
export async function writeSnapshotTemplate(
  deps: { layout: Layout; log: Logger },
  source: SnapshotTemplateSource,
): Promise<{ sizeBytes: number }> {
  const { layout, log } = deps;
  const final = layout.templateDir(source.teamId, source.templateId);
  const scratch = layout.templateScratchDir(source.teamId, `new-${randomUUID()}`);
  const files = layout.templateFilesIn(scratch);
  await mkdir(scratch, { recursive: true, mode: 0o755 });
  let old: string | undefined;
  try {
    // cp -a keeps owners, modes, xattrs (trusted.overlay.opaque) and whiteout devices.
    await exec(["cp", "-a", "--", `${source.upperDir}/.`, files.rootfs]);
    await copyImage(source.imageDir, files.checkpoint);
    await writeFile(files.secrets, JSON.stringify({ envdAccessToken: source.envdAccessToken }), {
      mode: 0o600,
    });
    if (await pathExists(final)) {
      old = layout.templateScratchDir(source.teamId, `old-${randomUUID()}`);
      await rename(final, old);
    }
    await rename(scratch, final);
  } catch (error) {
    if (old !== undefined) await rename(old, final).catch((e: unknown) => warn(log, e, old));
    await rm(scratch, { recursive: true, force: true }).catch((e: unknown) =>
      warn(log, e, scratch),
    );
    throw error;
  }
  await writeTemplateManifest(layout.templateManifest(source.teamId, source.templateId), {
    ...source.manifest,
  });
  if (old !== undefined)
    await rm(old, { recursive: true, force: true }).catch((e) => warn(log, e, old));
  return { sizeBytes: await sizeOf(final) };
}

/** The envd token a snapshot template's image holds. */
export async function readSnapshotToken(
  layout: Layout,
  teamId: Uuid,
  templateId: string,
): Promise<string> {
  const path = layout.templateSecrets(teamId, templateId);
  const parsed: unknown = JSON.parse(await readFile(path, "utf8"));
  const token = (parsed as { envdAccessToken?: unknown } | null)?.envdAccessToken;
  if (typeof token !== "string") throw new Error(`${path}: no envdAccessToken`);
  return token;
}

/** Removes a template's files: renamed away first, so it disappears at once. */
export async function removeTemplateFiles(
  deps: { layout: Layout; log: Logger },
  teamId: Uuid,
  templateId: string,
): Promise<void> {
  const doomed = deps.layout.templateScratchDir(teamId, `deleted-${randomUUID()}`);
  await rename(deps.layout.templateDir(teamId, templateId), doomed);
  await rm(doomed, { recursive: true, force: true });
}

/**
 * Images are never written after the dump, so hard links share them at no cost; another
 * filesystem gets a copy.
 */
async function copyImage(from: string, to: string): Promise<void> {
  try {
    await exec(["cp", "-a", "--link", "--", from, to]);
  } catch {
    await rm(to, { recursive: true, force: true });
    await exec(["cp", "-a", "--", from, to]);
  }
}

async function sizeOf(dir: string): Promise<number> {
  const { stdout } = await exec(["du", "-sb", "--", dir]);
  return Number(stdout.split("\t")[0]);
}

function warn(log: Logger, error: unknown, path: string | undefined): void {
  log.warn({ err: error, path }, "snapshot template cleanup failed");
}
