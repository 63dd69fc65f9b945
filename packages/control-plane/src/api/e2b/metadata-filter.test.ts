import { describe, expect, it } from "vitest";
import { decodeMetadataFilter } from "./metadata-filter.js";

/** What the SDK does (sandboxApi.ts), minus the query serialiser's layer that Fastify undoes. */
function sdkEncode(metadata: Record<string, string>): string {
  const encoded = Object.entries(metadata).map(([k, v]): [string, string] => [
    encodeURIComponent(k),
    encodeURIComponent(v),
  ]);
  return new URLSearchParams(encoded).toString();
}

describe("decodeMetadataFilter", () => {
  it("decodes the capture from e2b 2.51 (§2.6)", () => {
    // The query string was metadata=a%252520b%3Dc%252526d%25253De%26user%3Du1.
    const once = decodeURIComponent("a%252520b%3Dc%252526d%25253De%26user%3Du1");
    expect(decodeMetadataFilter(once)).toEqual({ "a b": "c&d=e", user: "u1" });
  });

  it("round-trips keys and values with the characters that need escaping", () => {
    const metadata = { "k=1&x": "v&=%+/ é", plain: "u1", empty: "" };
    expect(decodeMetadataFilter(sdkEncode(metadata))).toEqual(metadata);
  });

  it("means no filter when absent or empty", () => {
    expect(decodeMetadataFilter(undefined)).toBeUndefined();
    expect(decodeMetadataFilter("")).toBeUndefined();
  });

  it("rejects pairs without a key and broken percent-encoding", () => {
    expect(() => decodeMetadataFilter("novalue")).toThrow(/key=value/);
    expect(() => decodeMetadataFilter("=v")).toThrow(/key=value/);
    expect(() => decodeMetadataFilter("a%ZZ=1")).toThrow(/percent-encoding/);
  });
});
