import { pino } from "pino";

export type Logger = pino.Logger;

/** JSON lines to stdout. Secrets never reach a log line: fields that could carry them are redacted. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { service: "envd" },
    redact: {
      paths: [
        "accessToken",
        "token",
        "signature",
        "headers.authorization",
        'headers["x-access-token"]',
      ],
      censor: "[redacted]",
    },
  });
}
