#!/usr/bin/env node
import { networkInterfaces } from "node:os";
import { bootstrapFirstUser, type FirstUser } from "./bootstrap.js";
import { ConfigError, loadConfig } from "./config.js";
import { createControlPlane } from "./index.js";
import { createLogger } from "./log.js";

/** An address people can open: the listen address, or this machine's first external IPv4. */
function publicBase(host: string, port: number): string {
  let name = host;
  if (host === "0.0.0.0" || host === "::") {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === "IPv4" && !a.internal);
    name = external?.address ?? "localhost";
  }
  return `http://${name.includes(":") ? `[${name}]` : name}:${port}`;
}

/** Plain text on stdout, apart from the JSON log: the secrets are shown here and nowhere else. */
function banner(base: string, first: FirstUser | null): string {
  const lines = [
    "",
    "Wrenn is ready.",
    `  API:        ${base}   (OpenAPI: ${base}/openapi.json, docs: ${base}/docs)`,
    `  Dashboard:  ${base}/   (sign in with the first user below, or sign up)`,
    `  CLI:        npx wrenn login --url ${base}   (in this checkout)`,
  ];
  if (first) {
    lines.push(
      "",
      "First user (shown once; keep it now):",
      `  email:      ${first.email}`,
      `  password:   ${first.password}`,
      `  API key:    ${first.apiKey}`,
      `              (also in ${first.keyFile})`,
      "",
      `Try: curl -H "X-API-Key: $(cat ${first.keyFile})" ${base}/v1/sandboxes`,
    );
  }
  return `${lines.join("\n")}\n\n`;
}

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
  const first = await bootstrapFirstUser({
    db: controlPlane.db,
    services: controlPlane.services,
    dataDir: config.dataDir,
    log,
  });
  const url = await controlPlane.listen();
  log.info({ url, docs: `${url}/docs` }, "control plane listening");
  const port = Number(new URL(url).port) || config.port;
  process.stdout.write(banner(publicBase(config.host, port), first));

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
  log.info("stopped; sandboxes keep running and are adopted again at the next start");
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
