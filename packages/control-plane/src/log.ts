import { type DestinationStream, type Logger, pino } from "pino";

/**
 * Secrets are redacted here, once, at the root logger; every child inherits it. Request logs
 * carry no headers or bodies anyway (see the `req` serializer); this is the net underneath.
 */
export const REDACT_PATHS = [
  "req.headers.authorization",
  'req.headers["x-api-key"]',
  "req.headers.cookie",
  'req.headers["x-access-token"]',
  'req.headers["e2b-traffic-access-token"]',
  'res.headers["set-cookie"]',
  "*.password",
  "*.passwordHash",
  "*.token",
  "*.secret",
  "*.key",
  "*.apiKey",
  "*.envVars",
  "*.envdAccessToken",
  "*.trafficAccessToken",
  "config.jwtSecret",
  "config.encryptionKey",
  "config.database.url",
];

// Signed file URLs and tokens can ride in query strings; their values never reach the log.
const SECRET_QUERY_PARAM = /^(signature|token|access_token|api_key|key)$/i;

export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  if (q === -1) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of new Set(params.keys())) {
    if (SECRET_QUERY_PARAM.test(name)) params.set(name, "[Redacted]");
  }
  return `${url.slice(0, q)}?${params.toString()}`;
}

/** Fastify's request, reduced to what a log line needs; headers and bodies never appear. */
function serializeRequest(req: unknown): unknown {
  if (typeof req !== "object" || req === null) return req;
  const { id, method, url, ip } = req as Record<string, unknown>;
  return { id, method, url: typeof url === "string" ? redactUrl(url) : undefined, ip };
}

export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      redact: { paths: REDACT_PATHS, censor: "[Redacted]" },
      serializers: { req: serializeRequest },
    },
    options.destination,
  );
}
