import { InvalidArgumentError } from "@wrenn/shared";

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch (error) {
    throw new InvalidArgumentError(`metadata filter is not valid percent-encoding: ${text}`, {
      cause: error,
    });
  }
}

/**
 * The `metadata` query value of `GET /v2/sandboxes`, as the SDK encodes it: each key and value
 * percent-encoded, joined with URLSearchParams (encoded again) and then by the query serialiser
 * (once more). Fastify undid the last layer; this undoes the other two the way infra does: decode
 * the whole string, split on `&` and `=`, decode each part. An `=` inside a key or value is still
 * encoded at the split, so the first `=` of a pair is the separator.
 */
export function decodeMetadataFilter(raw: string | undefined): Record<string, string> | undefined {
  if (raw === undefined || raw === "") return undefined;
  const filter: Record<string, string> = {};
  for (const pair of decode(raw).split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError(`metadata filter needs key=value pairs: ${pair}`);
    filter[decode(pair.slice(0, eq))] = decode(pair.slice(eq + 1));
  }
  return filter;
}
