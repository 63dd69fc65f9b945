import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatMemoryMb, shortId } from "./format.js";

describe("format", () => {
  it("sizes", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(300 * 1024 * 1024)).toBe("300 MiB");
    expect(formatMemoryMb(2048)).toBe("2 GiB");
    expect(formatMemoryMb(512)).toBe("512 MiB");
  });

  it("durations", () => {
    expect(formatDuration(45_000)).toBe("45 s");
    expect(formatDuration(12 * 60_000)).toBe("12 min");
    expect(formatDuration(185 * 60_000)).toBe("3 h 5 min");
    expect(formatDuration(52 * 3_600_000)).toBe("2 d 4 h");
    expect(formatDuration(-5)).toBe("0 s");
  });

  it("ids", () => {
    expect(shortId("cl-abcdefghijklmnopqrstuvwxy")).toBe("cl-abcdefgh…");
    expect(shortId("short")).toBe("short");
  });
});
