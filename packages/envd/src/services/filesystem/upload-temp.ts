import { randomBytes } from "node:crypto";

const PREFIX = ".envd-upload-";
const SUFFIX = ".tmp";

/**
 * Uploads land in a hidden temp file beside their target and are renamed over it, so a
 * failed upload never leaves a half-written file in place. The name is independent of the
 * target's so it never exceeds NAME_MAX.
 */
export function uploadTempName(): string {
  return `${PREFIX}${randomBytes(8).toString("hex")}${SUFFIX}`;
}

/** Watchers hide these: users see the target appear, as if written in place. */
export function isUploadTempName(name: string): boolean {
  return name.startsWith(PREFIX) && name.endsWith(SUFFIX);
}
