import { describe, expect, it } from "vitest";
import { overlayOptions } from "./overlay.js";

describe("overlayOptions", () => {
  const layers = { upperDir: "/d/upper", workDir: "/d/work" };

  it("stacks several lower dirs top first and pins the layer-linking features off", () => {
    expect(overlayOptions({ ...layers, lowerDirs: ["/snap/rootfs", "/base/rootfs"] })).toBe(
      "lowerdir=/snap/rootfs:/base/rootfs,upperdir=/d/upper,workdir=/d/work," +
        "index=off,redirect_dir=off,metacopy=off",
    );
  });

  it("needs a lower dir", () => {
    expect(() => overlayOptions({ ...layers, lowerDirs: [] })).toThrow(/at least one lower/);
  });

  it.each(["/a,b", "/a:b", "relative", "/a\\b"])("refuses the layer path %s", (path) => {
    expect(() => overlayOptions({ ...layers, lowerDirs: [path] })).toThrow(/overlay layer path/);
  });
});
