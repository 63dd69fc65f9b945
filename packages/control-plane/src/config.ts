import { isAbsolute, join } from "node:path";

/** Where the data lives: embedded PGlite (a directory, or memory in tests) or PostgreSQL. */
export type DatabaseTarget =
  | { readonly kind: "pglite"; readonly dataDir: string | null }
  | { readonly kind: "postgres"; readonly url: string };

export interface RateLimitConfig {
  /** Requests per minute for one API key or one user session. */
  readonly perMinute: number;
  /** Requests per minute from one IP address to signup and login. */
  readonly authPerMinute: number;
}

export interface Config {
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  readonly database: DatabaseTarget;
  /** Unused until the Redis Streams event bus lands; parsed now so a bad value fails early. */
  readonly redisUrl: string | null;
  /** null → generated once into `$WRENN_DIR/jwt-secret` (single-host mode). */
  readonly jwtSecret: string | null;
  /** null → generated once into `$WRENN_DIR/encryption-key` (single-host mode). */
  readonly encryptionKey: string | null;
  readonly sessionTtlMs: number;
  readonly rateLimit: RateLimitConfig;
  readonly bodyLimitBytes: number;
  /** Largest file upload (PUT /v1/sandboxes/:id/files); it is streamed, never buffered. */
  readonly maxUploadBytes: number;
  readonly logLevel: string;
  /**
   * Single-host mode: run one host agent in this process (data in `dataDir`) and register it.
   * Off (`WRENN_EMBEDDED_AGENT=false`) for API-only tests and for agents on other machines.
   */
  readonly embeddedAgent: boolean;
  /** envd bundle directory for the embedded agent; null → the built @wrenn/envd. */
  readonly envdDir: string | null;
  /** The built dashboard (index.html + assets/); null → the built @wrenn/dashboard, if any. */
  readonly dashboardDir: string | null;
  /** How often the database is reconciled with every host's list of sandboxes. */
  readonly reconcileIntervalMs: number;
  /**
   * Base domain of sandbox host names (`{port}-{sandboxId}.{domain}`), returned to E2B clients;
   * null → clients use their own default and reach sandboxes through the E2b-Sandbox-* headers.
   */
  readonly domain: string | null;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];
const MIN_SECRET_CHARS = 32;

/** Parses the environment once; throws one error listing every problem. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const problems: string[] = [];

  const dataDir = env.WRENN_DIR ?? "/var/lib/wrenn";
  if (!isAbsolute(dataDir)) problems.push(`WRENN_DIR must be an absolute path, got ${dataDir}`);

  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
    }
    return value;
  };
  const port = int("WRENN_PORT", 8080, 0, 65535);
  const perMinute = int("WRENN_RATE_LIMIT_PER_MINUTE", 1200, 1, 1_000_000);
  const authPerMinute = int("WRENN_AUTH_RATE_LIMIT_PER_MINUTE", 30, 1, 1_000_000);
  const sessionTtlMinutes = int("WRENN_SESSION_TTL_MINUTES", 12 * 60, 1, 60 * 24 * 30);
  const maxUploadMiB = int("WRENN_MAX_UPLOAD_MIB", 1024, 1, 1024 * 1024);
  const reconcileIntervalMs = int("WRENN_RECONCILE_INTERVAL_MS", 15_000, 100, 3_600_000);

  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    if (["true", "1", "yes", "on"].includes(raw.toLowerCase())) return true;
    if (["false", "0", "no", "off"].includes(raw.toLowerCase())) return false;
    problems.push(`${name} must be true or false, got ${JSON.stringify(raw)}`);
    return fallback;
  };
  const embeddedAgent = bool("WRENN_EMBEDDED_AGENT", true);
  const envdDir = env.WRENN_ENVD_DIR || null;
  if (envdDir !== null && !isAbsolute(envdDir)) {
    problems.push(`WRENN_ENVD_DIR must be an absolute path, got ${envdDir}`);
  }
  const dashboardDir = env.WRENN_DASHBOARD_DIR || null;
  if (dashboardDir !== null && !isAbsolute(dashboardDir)) {
    problems.push(`WRENN_DASHBOARD_DIR must be an absolute path, got ${dashboardDir}`);
  }
  const domain = env.WRENN_DOMAIN || null;
  if (domain !== null && !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d+)?$/i.test(domain)) {
    problems.push(`WRENN_DOMAIN must be a host name (optionally with :port), got ${domain}`);
  }

  const url = (name: string, protocols: readonly string[]): string | null => {
    const raw = env[name];
    if (raw === undefined || raw === "") return null;
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      problems.push(`${name} is not a URL`); // the value may hold a password: do not echo it
      return null;
    }
    if (!protocols.includes(parsed.protocol)) {
      problems.push(`${name} must start with ${protocols.join(" or ")}, got ${parsed.protocol}`);
    }
    return raw;
  };
  const databaseUrl = url("DATABASE_URL", ["postgres:", "postgresql:"]);
  const redisUrl = url("REDIS_URL", ["redis:", "rediss:"]);

  const secret = (name: string): string | null => {
    const raw = env[name];
    if (raw === undefined || raw === "") return null;
    if (raw.length < MIN_SECRET_CHARS) {
      problems.push(`${name} must be at least ${MIN_SECRET_CHARS} characters`);
    }
    return raw;
  };
  const jwtSecret = secret("WRENN_JWT_SECRET");
  const encryptionKey = secret("WRENN_ENCRYPTION_KEY");

  const logLevel = env.WRENN_LOG_LEVEL ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) {
    problems.push(`WRENN_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got ${logLevel}`);
  }

  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
  }
  const config: Config = {
    dataDir,
    host: env.WRENN_HOST ?? "0.0.0.0",
    port,
    database: databaseUrl
      ? { kind: "postgres", url: databaseUrl }
      : { kind: "pglite", dataDir: join(dataDir, "db") },
    redisUrl,
    jwtSecret,
    encryptionKey,
    sessionTtlMs: sessionTtlMinutes * 60_000,
    rateLimit: Object.freeze({ perMinute, authPerMinute }),
    bodyLimitBytes: 1024 * 1024,
    maxUploadBytes: maxUploadMiB * 1024 * 1024,
    logLevel,
    embeddedAgent,
    envdDir,
    dashboardDir,
    reconcileIntervalMs,
    domain,
  };
  return Object.freeze(config);
}
