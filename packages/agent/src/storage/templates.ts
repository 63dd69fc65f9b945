import { readdir } from "node:fs/promises";
import { NotFoundError, PLATFORM_TEAM_UUID, type Uuid } from "@wrenn/shared";
import type { Logger } from "pino";
import type { Layout } from "../layout.js";
import {
  type BaseTemplate,
  type EnsureBaseTemplateOptions,
  ensureBaseTemplate,
} from "./base-template.js";
import { isErrno, pathExists } from "./fs-util.js";
import {
  checkTemplateId,
  isTemplateId,
  readTemplateManifest,
  type TemplateKind,
  type TemplateManifest,
} from "./template-manifest.js";

export interface ResolvedTemplate {
  /** The owner: the team itself, or the platform team for shared templates. */
  readonly teamId: Uuid;
  readonly templateId: string;
  readonly kind: TemplateKind;
  readonly rootfsDir: string;
  /** Overlay lower dirs, top first: this template's rootfs, then the layers below it. */
  readonly lowerDirs: readonly string[];
  readonly vcpus?: number;
  readonly memoryMiB?: number;
  readonly manifest: TemplateManifest;
}

export interface TemplateRef {
  readonly teamId: Uuid;
  readonly templateId: string;
}

/** NotFoundError whose message lists what the team can use instead. */
export class TemplateNotFoundError extends NotFoundError {
  constructor(
    templateId: string,
    readonly available: readonly TemplateRef[],
  ) {
    super("template", templateId);
    const names = available.map((t) => t.templateId);
    this.message = `template ${templateId} not found; available: ${names.join(", ") || "none"}`;
  }
}

export interface TemplateStoreDeps {
  readonly layout: Layout;
  readonly log: Logger;
  readonly now?: () => Date;
  /** Passed to the base build as WRENN_DEBIAN_MIRROR. */
  readonly debianMirror?: string;
}

/**
 * Templates on this host: images/teams/{teamId}/{templateId}/ with template.json and a
 * rootfs/ dir. A team sees its own templates and the platform team's; its own come first,
 * so a team template may shadow a platform one of the same id.
 */
export function createTemplateStore(deps: TemplateStoreDeps) {
  const { layout } = deps;
  const log = deps.log.child({ component: "agent.storage.templates" });
  const now = deps.now ?? (() => new Date());
  // One build at a time: a second caller waits, then finds the template up to date.
  let building: Promise<unknown> = Promise.resolve();

  const owners = (teamId: Uuid): Uuid[] =>
    teamId === PLATFORM_TEAM_UUID ? [teamId] : [teamId, PLATFORM_TEAM_UUID];

  async function resolve(teamId: Uuid, templateId: string): Promise<ResolvedTemplate> {
    checkTemplateId(templateId);
    for (const owner of owners(teamId)) {
      const manifest = await readTemplateManifest(layout.templateManifest(owner, templateId));
      if (manifest === undefined) continue;
      if (manifest.id !== templateId) {
        throw new Error(`${layout.templateManifest(owner, templateId)} says id ${manifest.id}`);
      }
      const rootfsDir = layout.templateRootfs(owner, templateId);
      const lowerDirs = [
        rootfsDir,
        ...(manifest.lowerLayers ?? []).map((l) => layout.templateRootfs(l.teamId, l.templateId)),
      ];
      // overlayfs would only say "No such file or directory" without naming the layer.
      for (const dir of lowerDirs) {
        if (!(await pathExists(dir))) {
          throw new Error(`template ${owner}/${templateId} needs layer ${dir}, which is missing`);
        }
      }
      return {
        teamId: owner,
        templateId,
        kind: manifest.kind,
        rootfsDir,
        lowerDirs,
        ...(manifest.vcpus === undefined ? {} : { vcpus: manifest.vcpus }),
        ...(manifest.memoryMiB === undefined ? {} : { memoryMiB: manifest.memoryMiB }),
        manifest,
      };
    }
    throw new TemplateNotFoundError(templateId, await list(teamId));
  }

  /** The templates a team can use: its own, then the platform's; sorted by id within each. */
  async function list(teamId: Uuid): Promise<TemplateRef[]> {
    const refs: TemplateRef[] = [];
    for (const owner of owners(teamId)) {
      for (const templateId of await listDir(layout.teamImagesDir(owner))) {
        // Not a template id: a snapshot template being written or deleted.
        if (!isTemplateId(templateId)) continue;
        if (await pathExists(layout.templateManifest(owner, templateId))) {
          refs.push({ teamId: owner, templateId });
        }
      }
    }
    return refs;
  }

  function ensureBase(options: EnsureBaseTemplateOptions = {}): Promise<BaseTemplate> {
    const run = building.then(() =>
      ensureBaseTemplate({ layout, log, now, debianMirror: deps.debianMirror }, options),
    );
    // The chain only orders calls; each caller gets its own result or error.
    building = run.catch((error: unknown) => {
      log.debug({ err: error }, "base template call failed; the next one starts afresh");
    });
    return run;
  }

  return { resolve, list, ensureBaseTemplate: ensureBase };
}

export type TemplateStore = ReturnType<typeof createTemplateStore>;

async function listDir(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (error) {
    if (isErrno(error, "ENOENT")) return [];
    throw error;
  }
}
