// The server under test for bench/api.ts, in a process of its own so the benchmark's client
// (the e2b SDK) does not share its event loop: the control plane with its embedded host agent,
// on 127.0.0.1 and a free port, its database in memory. Prints one JSON line ({url, agent}) once
// it listens, and closes when its stdin ends (the parent exited or closed it).
import { randomBytes } from "node:crypto";
import { createControlPlane, createLogger, loadConfig } from "@wrenn/control-plane";

const config = {
  ...loadConfig({
    WRENN_DIR: process.env.WRENN_DIR ?? "/var/lib/wrenn",
    WRENN_HOST: "127.0.0.1",
    WRENN_PORT: "0",
    WRENN_JWT_SECRET: randomBytes(32).toString("hex"),
    WRENN_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
    WRENN_RATE_LIMIT_PER_MINUTE: "1000000",
    // The benchmark's agent-side creates have no rows; no reconciler pass may reap them mid-run.
    WRENN_RECONCILE_INTERVAL_MS: "3600000",
    WRENN_LOG_LEVEL: "warn",
  }),
  database: { kind: "pglite" as const, dataDir: null },
};
// Logs to stderr: stdout carries the one line the parent reads.
const log = createLogger({ level: "warn", destination: process.stderr });
const cp = await createControlPlane({ config, log });
const url = await cp.listen();
process.stdout.write(`${JSON.stringify({ url, agent: cp.embeddedAgent?.host.address })}\n`);
process.stdin.resume();
await new Promise((resolve) => process.stdin.once("end", resolve));
await cp.close();
