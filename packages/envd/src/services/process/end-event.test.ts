import { describe, expect, it } from "vitest";
import { describeExit, signalNumber, toEndEvent } from "./end-event.js";

describe("toEndEvent", () => {
  it("reports a clean exit without an error", () => {
    expect(toEndEvent({ code: 0 })).toEqual({
      exitCode: 0,
      exited: true,
      status: "exit status 0",
    });
  });

  it("sets error for a non-zero exit", () => {
    expect(toEndEvent({ code: 3 })).toEqual({
      exitCode: 3,
      exited: true,
      status: "exit status 3",
      error: "exit status 3",
    });
  });

  it("reports a signalled process with exit code -1 and Go's signal words", () => {
    expect(toEndEvent({ signal: 9 })).toEqual({
      exitCode: -1,
      exited: false,
      status: "signal: killed",
      error: "signal: killed",
    });
    expect(describeExit({ signal: 15 })).toBe("signal: terminated");
    expect(describeExit({ signal: 99 })).toBe("signal: signal 99");
  });
});

describe("signalNumber", () => {
  it("maps names to numbers and keeps numbers", () => {
    expect(signalNumber("SIGKILL")).toBe(9);
    expect(signalNumber("SIGTERM")).toBe(15);
    expect(signalNumber(2)).toBe(2);
  });
});
