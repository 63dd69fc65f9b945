#!/usr/bin/env node
import { ConfigError, loadConfig } from "./config.js";
import { createControlPlane } from "./index.js";
import { createLogger } from "./log.js";

/** Reads config, builds, listens, and closes cleanly on SIGTERM or Ctrl-C (twice: at once). */
async function main(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const log = createLogger({ level: config.logLevel });
  const controlPlane = await createControlPlane({ config, log });
  const url = await controlPlane.listen();
  log.info({ url, docs: `${url}/docs` }, "control plane listening");

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  log.info({ signal }, "shutting down");
  const force = () => {
    log.warn("second signal: exiting without waiting");
    process.exit(130);
  };
  process.once("SIGTERM", force);
  process.once("SIGINT", force);
  await controlPlane.close();
  log.info("stopped");
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `control plane failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    if (error instanceof Error && error.cause)
      process.stderr.write(`caused by: ${String(error.cause)}\n`);
    process.exitCode = 1;
  },
);
