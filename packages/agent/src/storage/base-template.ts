import { access, constants, mkdir, open, readFile, realpath } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ConflictError, PLATFORM_TEAM_UUID } from "@wrenn/shared";
import type { Logger } from "pino";
import { exec } from "../exec.js";
import { hostScriptPath, runHostScript } from "../host/scripts.js";
import type { Layout } from "../layout.js";
import { isErrno, pathExists } from "./fs-util.js";
import { overlayLowerDirs } from "./mountinfo.js";
import { readMounts } from "./mounts.js";
import { readTemplateManifest, writeTemplateManifest } from "./template-manifest.js";

export const BASE_TEMPLATE_ID = "base";

/**
 * Paths inside every sandbox that the runtime uses. The init is tini's static build (from
 * Debian's tini package): envd runs on Node, which does not reap orphaned grandchildren,
 * and a static binary keeps working whatever a user does to the rootfs's libraries.
 */
export const SANDBOX_INIT_PATH = "/usr/bin/tini-static";
/** Bind-mount targets for the host's Node binary (a file) and envd's dist dir. */
export const ENVD_NODE_TARGET = "/opt/wrenn/bin/node";
export const ENVD_DIR_TARGET = "/opt/wrenn/envd";

export interface BaseTemplateDeps {
  readonly layout: Layout;
  readonly log: Logger;
  readonly now: () => Date;
  readonly debianMirror?: string;
}

export interface EnsureBaseTemplateOptions {
  readonly signal?: AbortSignal;
  /** Build progress, one line at a time (debootstrap and the build script's own log). */
  readonly onProgress?: (line: string) => void;
}

export interface BaseTemplate {
  readonly rootfsDir: string;
  readonly recipeHash: string;
  /** False when the existing template already matched the recipe. */
  readonly built: boolean;
  readonly durationMs: number;
}

/**
 * Makes sure the platform's base template exists and was built by the current recipe
 * (scripts/host/base-recipe-hash.sh). A match costs a hash and a few stats; otherwise the
 * build script (re)builds the rootfs, then the mount targets and the manifest are added.
 * The manifest comes last, so a crash in between is finished by the next call.
 */
export async function ensureBaseTemplate(
  deps: BaseTemplateDeps,
  options: EnsureBaseTemplateOptions = {},
): Promise<BaseTemplate> {
  const { layout, log } = deps;
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const rootfsDir = layout.templateRootfs(PLATFORM_TEAM_UUID, BASE_TEMPLATE_ID);
  const manifestPath = layout.templateManifest(PLATFORM_TEAM_UUID, BASE_TEMPLATE_ID);
  const recipeHash = await currentRecipeHash(options.signal);
  const builtBy = await readRecipe(layout.templateRecipe(PLATFORM_TEAM_UUID, BASE_TEMPLATE_ID));

  if (builtBy === recipeHash) {
    const manifest = await readTemplateManifest(manifestPath);
    if (manifest?.recipeHash !== recipeHash || !(await hasSandboxTargets(rootfsDir))) {
      log.info({ rootfsDir }, "finishing a base template whose build was interrupted");
      await finish(deps, { rootfsDir, manifestPath, recipeHash });
    }
    log.info({ rootfsDir, recipeHash, durationMs: elapsed() }, "base template up to date");
    return { rootfsDir, recipeHash, built: false, durationMs: elapsed() };
  }

  const replace = await pathExists(rootfsDir);
  if (replace) await assertNotInUse(rootfsDir);
  log.info({ rootfsDir, recipeHash, previous: builtBy, replace }, "building the base template");
  await runHostScript({
    script: "build-base-template.sh",
    args: ["--recipe-hash", recipeHash, ...(replace ? ["--replace"] : []), rootfsDir],
    env: deps.debianMirror ? { WRENN_DEBIAN_MIRROR: deps.debianMirror } : {},
    signal: options.signal,
    onStderrLine: (line) => {
      log.debug({ line }, "build-base-template.sh");
      options.onProgress?.(line);
    },
  });
  await finish(deps, { rootfsDir, manifestPath, recipeHash });
  log.info({ rootfsDir, recipeHash, durationMs: elapsed() }, "base template built");
  return { rootfsDir, recipeHash, built: true, durationMs: elapsed() };
}

async function currentRecipeHash(signal?: AbortSignal): Promise<string> {
  const { stdout } = await exec([hostScriptPath("base-recipe-hash.sh")], { signal });
  const hash = stdout.trim();
  if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error(`base-recipe-hash.sh printed ${stdout}`);
  return hash;
}

async function readRecipe(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
}

async function finish(
  deps: BaseTemplateDeps,
  target: { rootfsDir: string; manifestPath: string; recipeHash: string },
): Promise<void> {
  const init = inRootfs(target.rootfsDir, SANDBOX_INIT_PATH);
  try {
    await access(init, constants.X_OK);
  } catch (error) {
    throw new Error(`the base template has no executable ${SANDBOX_INIT_PATH} (${init})`, {
      cause: error,
    });
  }
  await addSandboxTargets(target.rootfsDir);
  await writeTemplateManifest(target.manifestPath, {
    id: BASE_TEMPLATE_ID,
    kind: "base",
    createdAt: deps.now().toISOString(),
    recipeHash: target.recipeHash,
  });
}

/**
 * Empty mount targets in the template, not per sandbox: runc needs the target of a bind
 * mount to exist, and creating it in each sandbox's upper layer would cost a copy-up of
 * /opt per sandbox and let a user delete it before a restore.
 */
async function addSandboxTargets(rootfsDir: string): Promise<void> {
  const node = inRootfs(rootfsDir, ENVD_NODE_TARGET);
  await mkdir(inRootfs(rootfsDir, ENVD_DIR_TARGET), { recursive: true, mode: 0o755 });
  await mkdir(dirname(node), { recursive: true, mode: 0o755 });
  // "a": creates an empty file, leaves one that exists alone.
  await (await open(node, "a", 0o755)).close();
}

async function hasSandboxTargets(rootfsDir: string): Promise<boolean> {
  const targets = [ENVD_NODE_TARGET, ENVD_DIR_TARGET].map((path) => inRootfs(rootfsDir, path));
  return (await Promise.all(targets.map(pathExists))).every(Boolean);
}

/** Overlayfs forbids changing a lower layer under a live mount: refuse to replace it. */
async function assertNotInUse(rootfsDir: string): Promise<void> {
  const path = await realpath(rootfsDir);
  const users = (await readMounts()).filter((entry) => overlayLowerDirs(entry).includes(path));
  if (users.length > 0) {
    throw new ConflictError(
      `the base template recipe changed, but ${users.length} mounted sandbox rootfs use ` +
        `${path} (${users.map((u) => u.mountPoint).join(", ")}); stop them, then retry`,
    );
  }
}

/** A path inside a rootfs; `inside` is absolute within the sandbox. */
function inRootfs(rootfsDir: string, inside: string): string {
  return join(rootfsDir, `.${inside}`);
}
