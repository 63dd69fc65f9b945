import { canTransition, type SandboxState } from "@wrenn/shared";
import { describe, expect, it } from "vitest";
import { repairSteps } from "./reconciler.js";

/** Walks the steps, checking each is allowed and starts where the previous one ended. */
function walk(db: SandboxState, agent: SandboxState | null): SandboxState {
  let state = db;
  for (const step of repairSteps(db, agent)) {
    expect(step.from).toBe(state);
    expect(canTransition(step.from, step.to), `${step.from} → ${step.to}`).toBe(true);
    state = step.to;
  }
  return state;
}

describe("repairSteps", () => {
  it("stops what the agent no longer has, and fails what it never started", () => {
    expect(walk("running", null)).toBe("stopped");
    expect(walk("paused", null)).toBe("stopped");
    expect(walk("pausing", null)).toBe("stopped");
    expect(walk("resuming", null)).toBe("stopped");
    expect(walk("stopping", null)).toBe("stopped");
    expect(walk("missing", null)).toBe("stopped");
    expect(walk("starting", null)).toBe("error");
    expect(walk("pending", null)).toBe("error");
  });

  it("follows the agent out of transient states", () => {
    expect(walk("starting", "running")).toBe("running");
    expect(walk("pausing", "paused")).toBe("paused");
    expect(walk("pausing", "running")).toBe("running");
    expect(walk("resuming", "running")).toBe("running");
    expect(walk("resuming", "paused")).toBe("paused");
    expect(walk("missing", "running")).toBe("running");
  });

  it("notices the agent's own auto-pause, and a resume it did by itself", () => {
    expect(walk("running", "paused")).toBe("paused");
    expect(walk("paused", "running")).toBe("running");
  });

  it("changes nothing when they agree, or when the database knows better", () => {
    expect(repairSteps("running", "running")).toEqual([]);
    expect(repairSteps("paused", "paused")).toEqual([]);
    // A destroy in progress: the agent still has it running until the destroy lands.
    expect(repairSteps("stopping", "running")).toEqual([]);
  });
});
