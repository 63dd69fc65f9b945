import type { FileMetadata } from "../services/filesystem/metadata-store.js";
import { HttpError } from "./respond.js";

const PREFIX = "x-metadata-";
/** xattr names are at most 255 bytes, and "user.e2b." takes 9 of them. */
const MAX_KEY_BYTES = 246;
const MAX_TOTAL_BYTES = 4096;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * `X-Metadata-<key>: <value>` headers → metadata. Keys are lowercased (as header names
 * are), the first value of a repeated header wins, and the limits are those of the xattrs
 * infra's envd stores them in.
 */
export function parseMetadataHeaders(rawHeaders: readonly string[]): FileMetadata {
  const metadata: FileMetadata = {};
  let total = 0;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (!name.startsWith(PREFIX)) continue;
    const key = name.slice(PREFIX.length);
    const value = rawHeaders[i + 1]!;
    if (key === "" || key in metadata) continue;
    if (!PRINTABLE_ASCII.test(key) || !PRINTABLE_ASCII.test(value)) {
      throw new HttpError(400, `metadata '${key}' must be printable ASCII`);
    }
    if (key.length > MAX_KEY_BYTES) {
      throw new HttpError(400, `metadata key '${key}' is longer than ${MAX_KEY_BYTES} bytes`);
    }
    total += key.length + value.length;
    if (total > MAX_TOTAL_BYTES) {
      throw new HttpError(400, `metadata is larger than ${MAX_TOTAL_BYTES} bytes in total`);
    }
    metadata[key] = value;
  }
  return metadata;
}
