import type { ErrorCode } from "./types.js";

/** A failed API call, with the server's own words when it sent any. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: ErrorCode | "network",
    message: string,
  ) {
    super(message);
  }
}

function isErrorBody(value: unknown): value is { message: string; error_code: ErrorCode } {
  return (
    typeof value === "object" &&
    value !== null &&
    "message" in value &&
    typeof value.message === "string" &&
    "error_code" in value &&
    typeof value.error_code === "string"
  );
}

/** Schema errors phrased by the validator, in plainer words. */
const PHRASES: [RegExp, string][] = [
  [/must match format "email"/, "must be an email address"],
  [/must match pattern "\^\\S\(\.\*\\S\)\?\$"/, "must not be empty or start or end with a space"],
  [/must match pattern "[^"]*"/, "contains characters that are not allowed"],
  [/must NOT have fewer than (\d+) characters/, "must be at least $1 characters long"],
  [/must NOT have more than (\d+) characters/, "must be at most $1 characters long"],
  [/must be >= (\d+)/, "must be at least $1"],
  [/must be <= (\d+)/, "must be at most $1"],
  [/must NOT have more than (\d+) properties/, "may have at most $1 entries"],
];

/** "body/name must match format …" → "Name must be …": schema paths read as field names. */
export function tidyValidationMessage(message: string): string {
  let text = message.replace(
    /\b(?:body|querystring|params|headers)\/([\w/]+)/g,
    (_, path: string) => {
      const field = path.split("/").at(-1) ?? path;
      return field.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase();
    },
  );
  for (const [pattern, words] of PHRASES) text = text.replace(pattern, words);
  return capitalize(text);
}

const FALLBACK: Record<number, string> = {
  401: "Your session has ended. Sign in again.",
  403: "You are not allowed to do that.",
  404: "That no longer exists.",
  413: "The file is too large for this server.",
  429: "Too many requests. Wait a moment and try again.",
  502: "The server could not reach the sandbox's host. Try again shortly.",
  503: "The service is not available right now. Try again shortly.",
};

/** Builds the error for a non-2xx answer from its status and (maybe JSON) body text. */
export function errorFromResponse(status: number, bodyText: string): ApiError {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(bodyText);
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status alone must speak.
    parsed = null;
  }
  if (isErrorBody(parsed)) {
    const code = parsed.error_code;
    if (code === "internal") {
      const request = /\(request [^)]+\)/.exec(parsed.message)?.[0] ?? "";
      return new ApiError(status, code, `Something went wrong on the server ${request}`.trim());
    }
    const message =
      code === "invalid_argument" ? tidyValidationMessage(parsed.message) : parsed.message;
    return new ApiError(status, code, capitalize(message));
  }
  const message = FALLBACK[status] ?? `The server answered with an error (HTTP ${status}).`;
  return new ApiError(status, status >= 500 ? "internal" : "invalid_argument", message);
}

export function networkError(): ApiError {
  return new ApiError(0, "network", "Cannot reach the Wrenn server. Check your connection.");
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Words for a person, whatever was thrown. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return "Something went wrong.";
}
