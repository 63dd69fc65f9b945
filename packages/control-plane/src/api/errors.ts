import { type ErrorCode, HTTP_STATUS, isWrennError } from "@wrenn/shared";
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ErrorBody } from "./schemas.js";

/*
 * The one mapping from errors to HTTP for the whole API. Every non-2xx answer is JSON
 * `{code: <status>, message, error_code}` (the E2B shape: the SDK reads `code`).
 * - schema validation → 400 invalid_argument, with what failed ("body/name must be string");
 * - WrennError → HTTP_STATUS[code] with its message (they are written for callers);
 * - Fastify's own 4xx (malformed JSON, body too large, wrong content type, rate limit) keep
 *   their status and message;
 * - anything else is a bug: 500 with a generic message; the full error goes to the log with the
 *   request id, which the message repeats so a report can be matched to the log line.
 */

const CODE_FOR_STATUS: Record<number, ErrorCode> = {
  400: "invalid_argument",
  401: "unauthenticated",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  429: "exhausted",
  503: "unavailable",
};

function body(status: number, code: ErrorCode, message: string): ErrorBody {
  return { code: status, message, error_code: code };
}

function hasClientStatus(error: unknown): error is FastifyError & { statusCode: number } {
  if (!(error instanceof Error) || !("statusCode" in error)) return false;
  const { statusCode } = error;
  return typeof statusCode === "number" && statusCode >= 400 && statusCode < 500;
}

export function toErrorBody(error: unknown, requestId: string): ErrorBody {
  if (error instanceof Error && "validation" in error && Array.isArray(error.validation)) {
    return body(400, "invalid_argument", error.message);
  }
  if (isWrennError(error) && error.code !== "internal") {
    return body(HTTP_STATUS[error.code], error.code, error.message);
  }
  if (hasClientStatus(error)) {
    return body(
      error.statusCode,
      CODE_FOR_STATUS[error.statusCode] ?? "invalid_argument",
      error.message,
    );
  }
  return body(500, "internal", `internal error (request ${requestId})`);
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const payload = toErrorBody(error, request.id);
    if (payload.code >= 500) {
      request.log.error({ err: error }, "request failed");
    } else {
      request.log.info(
        { statusCode: payload.code, errorCode: payload.error_code, reason: payload.message },
        "request rejected",
      );
    }
    return reply.code(payload.code).type("application/json; charset=utf-8").send(payload);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0];
    return reply
      .code(404)
      .type("application/json; charset=utf-8")
      .send(body(404, "not_found", `no route ${request.method} ${path}`));
  });
}
