import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { Logger } from "../log.js";
import { HttpError } from "./respond.js";

interface Coding {
  name: string;
  q: number;
}

/**
 * Picks the response coding. Identity is always acceptable unless refused with q=0, and
 * undici (the SDK's fetch) advertises "gzip, deflate" on every request, so gzip is used
 * only when the client singles it out (the SDK's `gzip: true` sends exactly "gzip"):
 * compressing every read would cost far more CPU time than it saves on the wire.
 * Returns undefined when nothing offered is acceptable (406).
 */
export function chooseResponseEncoding(
  header: string | undefined,
): "gzip" | "identity" | undefined {
  if (header === undefined || header.trim() === "") return "identity";
  const codings = header
    .split(",")
    .map(parseCoding)
    .filter((c) => c.name !== "");
  const q = (name: string) => codings.find((c) => c.name === name)?.q;
  const gzip = Math.max(q("gzip") ?? 0, q("x-gzip") ?? 0);
  const identity = q("identity") ?? (q("*") === 0 ? 0 : 1);
  const rivals = codings.filter((c) => !["gzip", "x-gzip", "identity"].includes(c.name));
  const singledOut = gzip > 0 && rivals.every((c) => c.q < gzip) && (q("identity") ?? 0) < gzip;
  if (singledOut || (identity === 0 && gzip > 0)) return "gzip";
  return identity > 0 ? "identity" : undefined;
}

function parseCoding(part: string): Coding {
  const [name = "", ...params] = part.split(";").map((s) => s.trim());
  let q = 1;
  for (const param of params) {
    const match = /^q=([0-9.]+)$/i.exec(param);
    if (match?.[1] !== undefined) q = Number(match[1]);
  }
  return { name: name.toLowerCase(), q: Number.isFinite(q) ? q : 0 };
}

/** The request body with its Content-Encoding undone (gzip or identity; anything else: 400). */
export function decodedBody(
  body: Readable,
  contentEncoding: string | undefined,
  log: Logger,
): Readable {
  const coding = (contentEncoding ?? "").trim().toLowerCase();
  if (coding === "" || coding === "identity") return body;
  if (coding === "gzip" || coding === "x-gzip") {
    const gunzip = createGunzip({ chunkSize: 256 * 1024 });
    // Not pipeline(): it would destroy the request on a gzip error, and with it the socket
    // the 400 must go out on; .pipe() only unpipes, so the caller can drain the body.
    body.on("error", (error) => gunzip.destroy(error));
    // The reader of the body sees this error too; this listener only keeps an error that
    // comes before anyone reads (a request rejected early) from crashing envd.
    gunzip.on("error", (error) => log.debug({ err: error }, "gzip request body failed to decode"));
    return body.pipe(gunzip);
  }
  throw new HttpError(400, `unsupported Content-Encoding: ${contentEncoding}, supported: gzip`);
}
