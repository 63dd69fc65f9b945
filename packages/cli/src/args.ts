import { InvalidArgumentError } from "commander";

/** `KEY=VALUE`, split at the first `=` so values may hold `=`; the key must not be empty. */
export function parseKeyValue(pair: string): [string, string] {
  const eq = pair.indexOf("=");
  if (eq <= 0) throw new InvalidArgumentError(`expected KEY=VALUE, got "${pair}"`);
  return [pair.slice(0, eq), pair.slice(eq + 1)];
}

/** A commander collector for a repeatable `--env K=V` option. */
export function collectKeyValue(
  pair: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const [key, value] = parseKeyValue(pair);
  return { ...previous, [key]: value };
}

/** A commander collector for a repeatable option of plain strings. */
export function collectString(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Positive whole numbers only: "1.5", "0", "1e3" and "12abc" are refused, not rounded. */
export function parsePositiveInt(raw: string): number {
  if (!/^[1-9][0-9]*$/.test(raw)) {
    throw new InvalidArgumentError(`expected a positive whole number, got "${raw}"`);
  }
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new InvalidArgumentError(`too large: ${raw}`);
  return value;
}

/** A location in `wrenn sandbox cp`: a local path, or `<sandboxId>:<path>` inside a sandbox. */
export type CopyEndpoint =
  | { readonly kind: "local"; readonly path: string }
  | { readonly kind: "sandbox"; readonly sandboxId: string; readonly path: string };

/**
 * Sandbox ids are `cl-` plus base36, so `cl-…:` cannot be confused with a local path unless it
 * really starts that way; `./cl-x:y` stays local.
 */
export function parseCopyEndpoint(raw: string): CopyEndpoint {
  const match = /^(cl-[a-z0-9]+):(.*)$/.exec(raw);
  if (!match) return { kind: "local", path: raw };
  const [, sandboxId = "", path = ""] = match;
  return { kind: "sandbox", sandboxId, path };
}
