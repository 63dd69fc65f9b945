import { describe, expect, it } from "vitest";
import {
  formatBytes,
  formatDetails,
  formatProgressBar,
  formatRelative,
  formatTable,
} from "./output.js";

describe("formatTable", () => {
  it("aligns columns two spaces apart and does not pad the last one", () => {
    const rows = [
      { id: "cl-1", state: "running" },
      { id: "cl-22222", state: "paused" },
    ];
    const text = formatTable(
      [
        { header: "ID", cell: (r: (typeof rows)[number]) => r.id },
        { header: "STATE", cell: (r: (typeof rows)[number]) => r.state },
      ],
      rows,
    );
    expect(text).toBe("ID        STATE\ncl-1      running\ncl-22222  paused\n");
  });

  it("prints the header alone for no rows", () => {
    expect(formatTable([{ header: "ID", cell: (r: string) => r }], [])).toBe("ID\n");
  });
});

describe("formatDetails", () => {
  it("aligns values after the longest key", () => {
    expect(
      formatDetails([
        ["id", "cl-1"],
        ["state", "running"],
      ]),
    ).toBe("id:     cl-1\nstate:  running\n");
  });
});

describe("formatters", () => {
  it("shows bytes in binary units", () => {
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(300 * 1024 * 1024)).toBe("300 MiB");
  });

  it("shows times relative to now", () => {
    const now = new Date("2026-01-01T12:00:00Z");
    expect(formatRelative("2026-01-01T11:57:00Z", now)).toBe("3m ago");
    expect(formatRelative("2026-01-01T14:00:00Z", now)).toBe("in 2h");
    expect(formatRelative(null, now)).toBe("-");
  });

  it("draws a progress bar", () => {
    expect(formatProgressBar(512, 1024, 10)).toBe("[#####-----]  50% 512 B / 1.0 KiB");
    expect(formatProgressBar(2048, 1024, 4)).toBe("[####] 100% 2.0 KiB / 1.0 KiB");
  });
});
