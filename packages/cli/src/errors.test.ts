import { describe, expect, it } from "vitest";
import { apiError, CliError, EXIT, exitCodeForStatus, toCliError, toJsonError } from "./errors.js";

describe("exitCodeForStatus", () => {
  it.each([
    [400, EXIT.usage],
    [401, EXIT.auth],
    [403, EXIT.auth],
    [404, EXIT.notFound],
    [409, EXIT.conflict],
    [429, EXIT.failure],
    [500, EXIT.failure],
    [503, EXIT.failure],
  ])("HTTP %i → exit %i", (status, code) => {
    expect(exitCodeForStatus(status)).toBe(code);
  });
});

describe("apiError", () => {
  it("keeps the API's message and code", () => {
    const error = apiError(404, {
      code: 404,
      message: "sandbox x not found",
      error_code: "not_found",
    });
    expect(error).toMatchObject({
      message: "sandbox x not found",
      exitCode: EXIT.notFound,
      status: 404,
      errorCode: "not_found",
    });
  });

  it("says what happened when the body is not the API's", () => {
    expect(apiError(502, "<html>bad gateway</html>").message).toBe("the server answered HTTP 502");
  });
});

describe("toCliError", () => {
  it("maps a missing local file to not found", () => {
    const enoent = Object.assign(new Error("ENOENT: no such file"), { code: "ENOENT" });
    expect(toCliError(enoent).exitCode).toBe(EXIT.notFound);
  });

  it("passes CliErrors through and makes anything else a failure", () => {
    const own = new CliError("x", { exitCode: EXIT.conflict });
    expect(toCliError(own)).toBe(own);
    expect(toCliError("boom")).toMatchObject({ message: "boom", exitCode: EXIT.failure });
  });

  it("has a JSON form without nulls", () => {
    expect(toJsonError(new CliError("bad", { exitCode: EXIT.usage }))).toEqual({
      error: { message: "bad", exitCode: 2 },
    });
  });
});
