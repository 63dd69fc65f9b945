#!/usr/bin/env node
import { readFileSync } from "node:fs";
import type { Runtime } from "./context.js";
import { runProgram } from "./program.js";

function packageVersion(): string {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  const { version } = JSON.parse(text) as { version?: unknown };
  return typeof version === "string" ? version : "0.0.0";
}

const runtime: Runtime = {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  // Not process.exit(): that could cut off output still queued for a pipe.
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

// A reader that goes away (`wrenn sandbox exec … | head -1`) ends us quietly, as it ends cat.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
});

runProgram(runtime, process.argv.slice(2), packageVersion()).catch((error: unknown) => {
  process.stderr.write(
    `wrenn: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
