import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { createJobTracker } from "./jobs.js";

describe("job tracker", () => {
  it("runs jobs in the background, reports failures, and aborts and awaits them on close", async () => {
    const jobs = createJobTracker(pino({ level: "silent" }));
    const failures: unknown[] = [];
    jobs.run(
      "fails",
      async () => {
        throw new Error("boom");
      },
      async (error) => {
        failures.push(error);
      },
    );
    let sawAbort = false;
    jobs.run(
      "waits",
      (signal) =>
        new Promise<void>((resolve) => {
          signal.addEventListener("abort", () => {
            sawAbort = true;
            resolve();
          });
        }),
    );
    expect(jobs.running).toBe(2);
    await jobs.close();
    expect(jobs.running).toBe(0);
    expect(sawAbort).toBe(true);
    expect(failures).toEqual([new Error("boom")]);
    expect(() => jobs.run("late", async () => {})).toThrow(/closed/);
  });
});
