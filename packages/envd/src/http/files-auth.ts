import { createHash, timingSafeEqual } from "node:crypto";
import type { EnvdState } from "../state.js";
import { tokenMatches } from "../state.js";
import { HttpError } from "./respond.js";

export type FileOperation = "read" | "write";

export interface SignatureInput {
  /** The raw `path` query value, unresolved; "" when absent. */
  path: string;
  operation: FileOperation;
  /** The raw `username` query value; "" when absent (the default user). */
  user: string;
  token: string;
  /** The raw `signature_expiration` query value, when present. */
  expiration?: string;
}

/** `v1_` + unpadded base64 of sha256("path:operation:user:token[:expiration]"), as the SDK signs. */
export function fileSignature(input: SignatureInput): string {
  const parts = [input.path, input.operation, input.user, input.token];
  if (input.expiration !== undefined) parts.push(input.expiration);
  const digest = createHash("sha256").update(parts.join(":"), "utf8").digest("base64");
  return `v1_${digest.replace(/=+$/, "")}`;
}

/**
 * /files is exempt from the global token check because it also accepts signed URLs:
 * without a token anything goes; with one, either the X-Access-Token header must match or
 * the URL must carry a valid, unexpired signature.
 */
export function authorizeFileRequest(request: {
  state: EnvdState;
  accessTokenHeader: string | undefined;
  url: URL;
  operation: FileOperation;
  nowS?: number;
}): void {
  const { state, url } = request;
  if (state.accessToken === undefined) return;
  const header = request.accessTokenHeader;
  if (header !== undefined && header !== "") {
    if (!tokenMatches(state, header)) {
      throw new HttpError(401, "access token present in header but does not match");
    }
    return;
  }
  const signature = url.searchParams.get("signature");
  if (signature === null) {
    throw new HttpError(
      401,
      "unauthorized access, please provide a valid access token or method signing if supported",
    );
  }
  const expiration = url.searchParams.get("signature_expiration") ?? undefined;
  const expected = fileSignature({
    path: url.searchParams.get("path") ?? "",
    operation: request.operation,
    user: url.searchParams.get("username") ?? "",
    token: state.accessToken,
    expiration,
  });
  if (!constantTimeEqual(expected, signature)) throw new HttpError(401, "invalid signature");
  if (expiration === undefined) return;
  const nowS = request.nowS ?? Math.floor(Date.now() / 1000);
  if (!/^-?\d+$/.test(expiration)) throw new HttpError(401, "invalid signature expiration");
  if (Number(expiration) < nowS) throw new HttpError(401, "signature is already expired");
}

/** Hashing first makes the comparison independent of where, and whether, lengths differ. */
function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash("sha256").update(a).digest();
  const hb = createHash("sha256").update(b).digest();
  return timingSafeEqual(ha, hb);
}
