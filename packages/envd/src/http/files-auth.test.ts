import { describe, expect, it } from "vitest";
import { createState } from "../state.js";
import { authorizeFileRequest, fileSignature } from "./files-auth.js";
import { HttpError } from "./respond.js";

describe("fileSignature", () => {
  it("matches the signatures the SDK produced (protocol doc 3.6)", () => {
    expect(
      fileSignature({ path: "/home/user/z.txt", operation: "write", user: "", token: "tok123" }),
    ).toBe("v1_o1rcYbHj7pg3369NB2mNLzQwQacbYz8TxcJG9PuEOp4");
    expect(
      fileSignature({
        path: "/home/user/z.txt",
        operation: "read",
        user: "user",
        token: "tok123",
        expiration: "1795342910",
      }),
    ).toBe("v1_Ywd7w8vZvU/6PRo3l8WvzFLa4D0BsAhEkt3MAtkIQo0");
  });
});

describe("authorizeFileRequest", () => {
  const state = { ...createState("user"), accessToken: "tok123" };
  const signed = (query: Record<string, string>) =>
    new URL(`http://envd/files?${new URLSearchParams(query)}`);
  const check =
    (url: URL, header?: string, nowS = 1_000) =>
    () =>
      authorizeFileRequest({ state, accessTokenHeader: header, url, operation: "read", nowS });

  it("allows everything when no token is set", () => {
    const open = createState("user");
    expect(() =>
      authorizeFileRequest({
        state: open,
        accessTokenHeader: undefined,
        url: signed({}),
        operation: "read",
      }),
    ).not.toThrow();
  });

  it("accepts the header token and rejects a wrong one", () => {
    expect(check(signed({ path: "a" }), "tok123")).not.toThrow();
    expect(check(signed({ path: "a" }), "nope")).toThrow(HttpError);
  });

  it("checks signature and expiration", () => {
    const sig = fileSignature({
      path: "a",
      operation: "read",
      user: "",
      token: "tok123",
      expiration: "2000",
    });
    expect(
      check(signed({ path: "a", signature: sig, signature_expiration: "2000" })),
    ).not.toThrow();
    expect(
      check(signed({ path: "a", signature: sig, signature_expiration: "2000" }), undefined, 3000),
    ).toThrow("signature is already expired");
    expect(check(signed({ path: "b", signature: sig, signature_expiration: "2000" }))).toThrow(
      "invalid signature",
    );
    expect(check(signed({ path: "a" }))).toThrow(HttpError);
  });
});
