import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { collectKeyValue, parseCopyEndpoint, parseKeyValue, parsePositiveInt } from "./args.js";

describe("parseKeyValue", () => {
  it("splits at the first =, so values may hold =", () => {
    expect(parseKeyValue("A=b=c")).toEqual(["A", "b=c"]);
    expect(parseKeyValue("EMPTY=")).toEqual(["EMPTY", ""]);
  });

  it("refuses a pair without a key", () => {
    expect(() => parseKeyValue("=x")).toThrow(InvalidArgumentError);
    expect(() => parseKeyValue("novalue")).toThrow(/KEY=VALUE/);
  });

  it("collects repeated pairs, the last one winning", () => {
    const once = collectKeyValue("A=1", undefined);
    expect(collectKeyValue("A=2", collectKeyValue("B=3", once))).toEqual({ A: "2", B: "3" });
  });
});

describe("parsePositiveInt", () => {
  it("takes whole positive numbers", () => {
    expect(parsePositiveInt("512")).toBe(512);
  });

  it.each(["0", "-1", "1.5", "1e3", "12abc", ""])("refuses %j", (raw) => {
    expect(() => parsePositiveInt(raw)).toThrow(InvalidArgumentError);
  });
});

describe("parseCopyEndpoint", () => {
  it("reads <sandboxId>:<path> as a sandbox side", () => {
    expect(parseCopyEndpoint("cl-abc123:/tmp/x")).toEqual({
      kind: "sandbox",
      sandboxId: "cl-abc123",
      path: "/tmp/x",
    });
    expect(parseCopyEndpoint("cl-abc123:")).toEqual({
      kind: "sandbox",
      sandboxId: "cl-abc123",
      path: "",
    });
  });

  it("leaves anything else local, colons included", () => {
    expect(parseCopyEndpoint("./cl-abc:x")).toEqual({ kind: "local", path: "./cl-abc:x" });
    expect(parseCopyEndpoint("C:file")).toEqual({ kind: "local", path: "C:file" });
    expect(parseCopyEndpoint("-")).toEqual({ kind: "local", path: "-" });
  });
});
