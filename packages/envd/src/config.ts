import { isIP } from "node:net";
import { parseArgs } from "node:util";

export interface EnvdConfig {
  readonly port: number;
  readonly host: string;
  /** Where forwarded localhost ports are exposed; undefined = first non-loopback IPv4. */
  readonly forwardAddress: string | undefined;
  readonly portScanIntervalMs: number;
  readonly portForwarding: boolean;
  readonly logLevel: "debug" | "info" | "warn" | "error" | "silent";
  readonly defaultUser: string;
  /** Filesystem whose usage /metrics reports. */
  readonly diskPath: string;
  /** JSON logs go here instead of stdout (inside a sandbox stdout is /dev/null). */
  readonly logFile: string | undefined;
}

const USAGE = `Usage: envd [options]

The Wrenn in-sandbox daemon (E2B envd protocol).

Options:
  --port <n>              listen port (env ENVD_PORT, default 49983)
  --host <addr>           bind address (env ENVD_HOST, default 0.0.0.0)
  --forward-address <ip>  address on which localhost listeners are re-exposed
                          (env ENVD_FORWARD_ADDRESS, default: first non-loopback IPv4)
  --no-port-forwarding    do not scan for and forward localhost listeners
  --port-scan-interval-ms <n>  scanner period (env ENVD_PORT_SCAN_INTERVAL_MS, default 1000)
  --default-user <name>   user for requests that name none, until /init sets one (default root)
  --log-level <level>     debug|info|warn|error|silent (env ENVD_LOG_LEVEL, default info)
  --log-file <path>       append JSON logs to this file instead of stdout (env ENVD_LOG_FILE)
  -h, --help              show this help
`;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

export function usage(): string {
  return USAGE;
}

/** Parses argv (without node and script) and the environment once; throws listing every problem. */
export function loadConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): EnvdConfig | "help" {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "forward-address": { type: "string" },
      "no-port-forwarding": { type: "boolean" },
      "port-scan-interval-ms": { type: "string" },
      "default-user": { type: "string" },
      "log-level": { type: "string" },
      "log-file": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";

  const problems: string[] = [];
  const port = parseInteger(values.port ?? env.ENVD_PORT ?? "49983", "port", problems, 0, 65535);
  const portScanIntervalMs = parseInteger(
    values["port-scan-interval-ms"] ?? env.ENVD_PORT_SCAN_INTERVAL_MS ?? "1000",
    "port-scan-interval-ms",
    problems,
    50,
    60_000,
  );
  const host = values.host ?? env.ENVD_HOST ?? "0.0.0.0";
  if (isIP(host) === 0 && host !== "localhost")
    problems.push(`--host must be an IP address: ${host}`);
  const forwardAddress = values["forward-address"] ?? env.ENVD_FORWARD_ADDRESS;
  if (forwardAddress !== undefined && isIP(forwardAddress) === 0) {
    problems.push(`--forward-address must be an IP address: ${forwardAddress}`);
  }
  const logLevel = values["log-level"] ?? env.ENVD_LOG_LEVEL ?? "info";
  if (!isLogLevel(logLevel))
    problems.push(`--log-level must be debug|info|warn|error|silent: ${logLevel}`);
  if (problems.length > 0)
    throw new ConfigError(`invalid envd configuration:\n  ${problems.join("\n  ")}`);

  return Object.freeze({
    port,
    host,
    forwardAddress,
    portScanIntervalMs,
    portForwarding: values["no-port-forwarding"] !== true,
    logLevel: logLevel as EnvdConfig["logLevel"],
    defaultUser: values["default-user"] ?? "root",
    diskPath: "/",
    logFile: values["log-file"] ?? env.ENVD_LOG_FILE,
  });
}

function isLogLevel(value: string): value is EnvdConfig["logLevel"] {
  return ["debug", "info", "warn", "error", "silent"].includes(value);
}

function parseInteger(
  raw: string,
  name: string,
  problems: string[],
  min: number,
  max: number,
): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    problems.push(`--${name} must be an integer in [${min}, ${max}]: ${raw}`);
    return min;
  }
  return value;
}
