import { describe, expect, it } from "vitest";
import { formatPermissions } from "./permissions-string.js";

describe("formatPermissions", () => {
  it.each([
    [0o100644, "-rw-r--r--"],
    [0o100755, "-rwxr-xr-x"],
    [0o100000, "----------"],
    [0o040755, "drwxr-xr-x"],
    [0o041777, "dtrwxrwxrwx"],
    [0o120777, "Lrwxrwxrwx"],
    [0o104755, "urwxr-xr-x"],
    [0o020666, "Dcrw-rw-rw-"],
    [0o010644, "prw-r--r--"],
    [0o140755, "Srwxr-xr-x"],
  ])("formats %o as %s", (mode, expected) => {
    expect(formatPermissions(mode)).toBe(expected);
  });
});
