import { describe, expect, it } from "vitest";
import { isTemplateId, parseTemplateManifest } from "./template-manifest.js";

const TEAM = "11111111-2222-3333-4444-555555555555";

describe("parseTemplateManifest", () => {
  it("reads a base manifest", () => {
    const manifest = {
      id: "base",
      kind: "base",
      createdAt: "2026-11-22T13:00:00.000Z",
      recipeHash: "ab",
    };
    expect(parseTemplateManifest(manifest)).toEqual(manifest);
  });

  it("reads a snapshot manifest with its size and lower layers", () => {
    const manifest = {
      id: "tpl-x",
      kind: "snapshot",
      createdAt: "2026-11-22T13:00:00.000Z",
      vcpus: 2,
      memoryMiB: 1024,
      lowerLayers: [{ teamId: TEAM, templateId: "base" }],
    };
    expect(parseTemplateManifest(manifest)).toEqual(manifest);
  });

  it("lists every problem at once", () => {
    expect(() =>
      parseTemplateManifest({
        id: "../etc",
        kind: "vm",
        createdAt: "yesterday",
        vcpus: 0,
        lowerLayers: [{ teamId: "nope", templateId: "base" }],
      }),
    ).toThrow(
      /id: not a template id; kind: must be one of base, snapshot; createdAt: .*; vcpus: .*; lowerLayers\[0\]\.teamId/,
    );
  });

  it("rejects what is not an object", () => {
    expect(() => parseTemplateManifest([])).toThrow(/not a JSON object/);
  });
});

describe("isTemplateId", () => {
  it.each(["base", "tpl-0b0a8c4e-7f5e-4c0b-9f0e-3c2a1b0d9e8f", "python3.12"])(
    "accepts %s",
    (id) => {
      expect(isTemplateId(id)).toBe(true);
    },
  );
  it.each(["", "..", ".hidden", "a/b", "a b"])("refuses %j", (id) => {
    expect(isTemplateId(id)).toBe(false);
  });
});
