import { describe, expect, it } from "vitest";
import { overlayLowerDirs, parseMountInfo } from "./mountinfo.js";

const SAMPLE = [
  "27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard",
  "46 27 0:39 / /var/lib/wrenn/sandboxes/cl-1/bundle/rootfs rw,relatime - overlay overlay rw,lowerdir=/t/a:/t/b,upperdir=/d/upper,workdir=/d/work,uuid=on",
  "47 27 7:3 / /mnt/with\\040space rw,noatime master:2 shared:3 - ext4 /dev/loop3 rw",
  "",
].join("\n");

describe("parseMountInfo", () => {
  it("reads mount points, types and sources, with and without optional fields", () => {
    const entries = parseMountInfo(SAMPLE);
    expect(entries.map((e) => [e.mountId, e.mountPoint, e.fsType, e.source])).toEqual([
      [27, "/", "ext4", "/dev/vda"],
      [46, "/var/lib/wrenn/sandboxes/cl-1/bundle/rootfs", "overlay", "overlay"],
      [47, "/mnt/with space", "ext4", "/dev/loop3"],
    ]);
  });

  it("rejects a line it cannot read instead of guessing", () => {
    expect(() => parseMountInfo("garbage line")).toThrow(/unexpected mountinfo line/);
  });
});

describe("overlayLowerDirs", () => {
  it("splits a colon-joined lowerdir, top first", () => {
    const [, overlay] = parseMountInfo(SAMPLE);
    expect(overlayLowerDirs(overlay!)).toEqual(["/t/a", "/t/b"]);
  });

  it("reads one lowerdir+= per layer", () => {
    const [entry] = parseMountInfo(
      "50 27 0:40 / /m rw - overlay overlay rw,lowerdir+=/x,lowerdir+=/y,upperdir=/u,workdir=/w",
    );
    expect(overlayLowerDirs(entry!)).toEqual(["/x", "/y"]);
  });

  it("is empty for other filesystems", () => {
    const [root] = parseMountInfo(SAMPLE);
    expect(overlayLowerDirs(root!)).toEqual([]);
  });
});
