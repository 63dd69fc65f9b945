import { readFile, rename, writeFile } from "node:fs/promises";
import { InvalidArgumentError, parseUuid, type Uuid } from "@wrenn/shared";
import { isErrno } from "./fs-util.js";

export const TEMPLATE_KINDS = ["base", "snapshot"] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** A template layer below another: its rootfs is one more overlay lower dir. */
export interface TemplateLayerRef {
  readonly teamId: Uuid;
  readonly templateId: string;
}

/** images/teams/{teamId}/{templateId}/template.json; the rootfs/ dir sits beside it. */
export interface TemplateManifest {
  readonly id: string;
  readonly kind: TemplateKind;
  /** ISO 8601. */
  readonly createdAt: string;
  /** base-recipe-hash.sh's output for the recipe that built a base template. */
  readonly recipeHash?: string;
  /** A snapshot's fixed size: its memory image was taken with these. */
  readonly vcpus?: number;
  readonly memoryMiB?: number;
  /** The layers below this template's own rootfs, top first (snapshots only). */
  readonly lowerLayers?: readonly TemplateLayerRef[];
}

const TEMPLATE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** A template id is a directory name: no "/", no leading "." (so never ".."). */
export function isTemplateId(value: string): boolean {
  return TEMPLATE_ID_RE.test(value);
}

export function checkTemplateId(value: string): string {
  if (!isTemplateId(value)) {
    throw new InvalidArgumentError(
      `not a template id: ${JSON.stringify(value)} (letters, digits, ".", "_", "-"; at most 128)`,
    );
  }
  return value;
}

/** Parses a manifest read from disk; throws one error listing every problem. */
export function parseTemplateManifest(value: unknown): TemplateManifest {
  if (!isRecord(value)) throw new Error("template manifest is not a JSON object");
  const problems: string[] = [];
  const { id, kind, createdAt, recipeHash, vcpus, memoryMiB, lowerLayers } = value;
  if (typeof id !== "string" || !isTemplateId(id)) problems.push("id: not a template id");
  if (typeof kind !== "string" || !(TEMPLATE_KINDS as readonly string[]).includes(kind)) {
    problems.push(`kind: must be one of ${TEMPLATE_KINDS.join(", ")}`);
  }
  if (typeof createdAt !== "string" || Number.isNaN(Date.parse(createdAt))) {
    problems.push("createdAt: not an ISO 8601 date");
  }
  if (recipeHash !== undefined && typeof recipeHash !== "string") {
    problems.push("recipeHash: not a string");
  }
  for (const [name, n] of [
    ["vcpus", vcpus],
    ["memoryMiB", memoryMiB],
  ] as const) {
    if (n !== undefined && !(Number.isInteger(n) && (n as number) > 0)) {
      problems.push(`${name}: not a positive integer`);
    }
  }
  const layers = lowerLayers === undefined ? undefined : parseLayers(lowerLayers, problems);
  if (problems.length > 0) throw new Error(`invalid template manifest: ${problems.join("; ")}`);
  return {
    id: id as string,
    kind: kind as TemplateKind,
    createdAt: createdAt as string,
    ...(recipeHash === undefined ? {} : { recipeHash: recipeHash as string }),
    ...(vcpus === undefined ? {} : { vcpus: vcpus as number }),
    ...(memoryMiB === undefined ? {} : { memoryMiB: memoryMiB as number }),
    ...(layers === undefined ? {} : { lowerLayers: layers }),
  };
}

function parseLayers(value: unknown, problems: string[]): TemplateLayerRef[] | undefined {
  if (!Array.isArray(value)) {
    problems.push("lowerLayers: not an array");
    return undefined;
  }
  const layers: TemplateLayerRef[] = [];
  value.forEach((layer: unknown, i) => {
    const teamId = isRecord(layer) ? layer.teamId : undefined;
    const templateId = isRecord(layer) ? layer.templateId : undefined;
    if (typeof teamId !== "string" || typeof templateId !== "string" || !isTemplateId(templateId)) {
      problems.push(`lowerLayers[${i}]: expected { teamId: UUID, templateId }`);
      return;
    }
    try {
      layers.push({ teamId: parseUuid(teamId), templateId });
    } catch (error) {
      problems.push(`lowerLayers[${i}].teamId: ${(error as Error).message}`);
    }
  });
  return layers;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The manifest at `path`, or undefined when there is none (a template still being made). */
export async function readTemplateManifest(path: string): Promise<TemplateManifest | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
  try {
    return parseTemplateManifest(JSON.parse(text));
  } catch (error) {
    throw new Error(`${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Written last and atomically: a template without its manifest does not exist yet. */
export async function writeTemplateManifest(
  path: string,
  manifest: TemplateManifest,
): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, path);
}
