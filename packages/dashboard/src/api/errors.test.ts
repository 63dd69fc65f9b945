import { describe, expect, it } from "vitest";
import { ApiError, errorFromResponse, tidyValidationMessage } from "./errors.js";

const body = (code: number, error_code: string, message: string) =>
  JSON.stringify({ code, error_code, message });

describe("errorFromResponse", () => {
  it("keeps the server's words, capitalised", () => {
    const error = errorFromResponse(401, body(401, "unauthenticated", "wrong email or password"));
    expect(error).toBeInstanceOf(ApiError);
    expect(error.message).toBe("Wrong email or password");
    expect(error.code).toBe("unauthenticated");
  });

  it("turns schema errors into field names and plain phrases", () => {
    const error = errorFromResponse(
      400,
      body(400, "invalid_argument", 'body/email must match format "email"'),
    );
    expect(error.message).toBe("Email must be an email address");
  });

  it("hides a 5xx but keeps the request id to match the log", () => {
    const error = errorFromResponse(500, body(500, "internal", "internal error (request r-1)"));
    expect(error.message).toBe("Something went wrong on the server (request r-1)");
  });

  it("speaks for a status whose body is not JSON", () => {
    expect(errorFromResponse(502, "<html>bad gateway</html>").message).toMatch(/host/);
    expect(errorFromResponse(418, "").message).toBe(
      "The server answered with an error (HTTP 418).",
    );
  });
});

describe("tidyValidationMessage", () => {
  it.each([
    [
      String.raw`body/name must match pattern "^\S(.*\S)?$"`,
      "Name must not be empty or start or end with a space",
    ],
    ["body/timeoutMs must be >= 1000", "Timeout ms must be at least 1000"],
    [
      "body/password must NOT have fewer than 8 characters",
      "Password must be at least 8 characters long",
    ],
    [
      "querystring/path must NOT have more than 4096 characters",
      "Path must be at most 4096 characters long",
    ],
  ])("%s", (raw, expected) => {
    expect(tidyValidationMessage(raw)).toBe(expected);
  });
});
