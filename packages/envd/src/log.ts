import { pino } from "pino";

export type Logger = pino.Logger;

/** JSON lines to stdout. Secrets never reach a log line: fields that could carry them are redacted. */
export function createLogger(level: string, file?: string): Logger {
  const destination = file
    ? pino.destination({ dest: file, mkdir: true, append: true })
    : undefined;
  const options: pino.LoggerOptions = {
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
  };
  return destination ? pino(options, destination) : pino(options);
}
