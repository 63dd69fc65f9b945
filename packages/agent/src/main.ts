#!/usr/bin/env node
import { pino } from "pino";
import { AGENT_USAGE, AgentConfigError, loadAgentConfig } from "./config.js";
import { createAgent } from "./index.js";

async function main(): Promise<void> {
  let config: ReturnType<typeof loadAgentConfig>;
  try {
    config = loadAgentConfig(process.argv.slice(2));
  } catch (error) {
    const message =
      error instanceof AgentConfigError || error instanceof TypeError
        ? error.message
        : String(error);
    process.stderr.write(`${message}\n\n${AGENT_USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (config === "help") {
    process.stdout.write(AGENT_USAGE);
    return;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write(
      "wrenn-agent must run as root: it mounts filesystems, makes namespaces and runs runc\n",
    );
    process.exitCode = 2;
    return;
  }
  const log = pino({ level: config.logLevel, base: { service: "wrenn-agent" } });
  const agent = createAgent(config, log);
  await agent.start();
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping; sandboxes keep running and are adopted on the next start");
    agent.stop().then(
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
    `wrenn-agent failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
