import { ConfigError, loadConfig, usage } from "./config.js";
import { createEnvd } from "./index.js";
import { createLogger } from "./log.js";

async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(
      `${error instanceof ConfigError || error instanceof TypeError ? error.message : String(error)}\n\n${usage()}`,
    );
    process.exitCode = 2;
    return;
  }
  if (config === "help") {
    process.stdout.write(usage());
    return;
  }
  const log = createLogger(config.logLevel, config.logFile);
  const envd = createEnvd(config, log);
  await envd.listen();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    envd.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `envd failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
