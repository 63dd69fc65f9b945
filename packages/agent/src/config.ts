import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";

export interface AgentConfig {
  readonly dataDir: string;
  readonly listenHost: string;
  readonly listenPort: number;
  /** Directory holding envd.cjs and pty.node, bind-mounted into every sandbox. */
  readonly envdDir: string;
  readonly nodeBinary: string;
  readonly logLevel: string;
  /** Network slots and disk images kept ready so create does not wait for them. */
  readonly warmSlots: number;
  readonly warmDisks: number;
  readonly maxSlots: number;
  readonly metricsIntervalMs: number;
}

export const AGENT_USAGE = `Usage: wrenn-agent [options]

The Wrenn host agent: runs the sandboxes of this machine and serves hostagent.v1 over Connect.

Options:
  --listen <host:port>   address of the RPC and port-proxy server (env WRENN_AGENT_LISTEN, default 127.0.0.1:7070)
  --data-dir <path>      data directory (env WRENN_DIR, default /var/lib/wrenn)
  --envd-dir <path>      envd bundle directory (env WRENN_ENVD_DIR, default: the built @wrenn/envd)
  --warm-slots <n>       network slots kept ready (default 4)
  --warm-disks <n>       disk images kept ready (default 4)
  --log-level <level>    debug|info|warn|error (env WRENN_LOG_LEVEL, default info)
  -h, --help             show this help
`;

export class AgentConfigError extends Error {
  override readonly name = "AgentConfigError";
}

/** Parses flags and environment once; throws one error listing every problem. */
export function loadAgentConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): AgentConfig | "help" {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      listen: { type: "string" },
      "data-dir": { type: "string" },
      "envd-dir": { type: "string" },
      "warm-slots": { type: "string" },
      "warm-disks": { type: "string" },
      "log-level": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const problems: string[] = [];
  const listen = values.listen ?? env.WRENN_AGENT_LISTEN ?? "127.0.0.1:7070";
  const match = /^(.+):(\d+)$/.exec(listen);
  const listenPort = Number(match?.[2]);
  if (!match || listenPort > 65535) problems.push(`--listen must be host:port, got ${listen}`);
  const dataDir = values["data-dir"] ?? env.WRENN_DIR ?? "/var/lib/wrenn";
  if (!isAbsolute(dataDir)) problems.push(`WRENN_DIR must be an absolute path, got ${dataDir}`);
  const envdDir = resolve(values["envd-dir"] ?? env.WRENN_ENVD_DIR ?? defaultEnvdDir());
  if (!existsSync(join(envdDir, "envd.cjs"))) {
    problems.push(
      `no envd.cjs in ${envdDir}: build it with \`npm run build\` or set WRENN_ENVD_DIR`,
    );
  }
  const int = (raw: string | undefined, name: string, fallback: number, max: number) => {
    const value = Number(raw ?? fallback);
    if (!Number.isInteger(value) || value < 0 || value > max)
      problems.push(`--${name} must be 0-${max}, got ${raw}`);
    return value;
  };
  const config: AgentConfig = {
    dataDir,
    listenHost: match?.[1] ?? "127.0.0.1",
    listenPort,
    envdDir,
    nodeBinary: process.execPath,
    logLevel: values["log-level"] ?? env.WRENN_LOG_LEVEL ?? "info",
    warmSlots: int(values["warm-slots"], "warm-slots", 4, 64),
    warmDisks: int(values["warm-disks"], "warm-disks", 4, 64),
    maxSlots: 4096,
    metricsIntervalMs: 5000,
  };
  if (problems.length > 0)
    throw new AgentConfigError(`invalid agent configuration:\n  ${problems.join("\n  ")}`);
  return Object.freeze(config);
}

function defaultEnvdDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@wrenn/envd/package.json")), "dist");
}
