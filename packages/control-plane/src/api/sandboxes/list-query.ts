import {
  InvalidArgumentError,
  isSandboxState,
  parseSandboxId,
  type SandboxState,
} from "@wrenn/shared";
import type { Sandbox, SandboxListFilter } from "../../db/queries/sandboxes.js";

/** `status=running,paused` and `status=running&status=paused` alike; unknown states are a 400. */
export function parseStates(raw: readonly string[] | undefined): SandboxState[] | undefined {
  if (!raw) return undefined;
  const states = raw.flatMap((value) => value.split(",")).filter((value) => value !== "");
  for (const state of states) {
    if (!isSandboxState(state)) throw new InvalidArgumentError(`status: unknown state ${state}`);
  }
  return states as SandboxState[];
}

/** `metadata=key=value`, repeated; the first `=` separates, so values may contain `=` and `,`. */
export function parseMetadataFilter(
  raw: readonly string[] | undefined,
): Record<string, string> | undefined {
  if (!raw || raw.length === 0) return undefined;
  const filter: Record<string, string> = {};
  for (const pair of raw) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError(`metadata: expected key=value, got ${pair}`);
    filter[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return filter;
}

/** Opaque to clients: the creation time and id of the page's last sandbox (keyset paging). */
export function encodeCursor(last: Sandbox): string {
  return Buffer.from(`${last.createdAt.toISOString()}|${last.id}`).toString("base64url");
}

export function decodeCursor(raw: string | undefined): SandboxListFilter["after"] {
  if (raw === undefined) return undefined;
  const [at = "", id = ""] = Buffer.from(raw, "base64url").toString("utf8").split("|");
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime()) || !id) {
    throw new InvalidArgumentError("cursor: not a cursor from a previous page");
  }
  return { createdAt, id: parseSandboxId(id) };
}
