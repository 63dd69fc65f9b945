import { Code, ConnectError } from "@connectrpc/connect";
import type { EnvdState } from "./state.js";
import type { User, UserDirectory } from "./users.js";

/** Who a request acts as: Basic auth for RPC, `username` for /files, else the /init default. */
export function createIdentity(deps: { state: EnvdState; users: UserDirectory }) {
  function fromBasicAuth(authorization: string | null | undefined): User {
    const name = authorization ? parseBasicUser(authorization) : deps.state.defaultUser;
    if (name === undefined) {
      throw new ConnectError("invalid authorization header", Code.Unauthenticated);
    }
    if (name === "") throw new ConnectError("no user specified", Code.Unauthenticated);
    const user = deps.users.lookup(name);
    if (!user) throw new ConnectError(`invalid username: '${name}'`, Code.Unauthenticated);
    return user;
  }

  /** For HTTP: undefined name means the default user; returns undefined when unknown. */
  function fromUsername(name: string | null | undefined): User | undefined {
    const chosen = name || deps.state.defaultUser;
    return chosen ? deps.users.lookup(chosen) : undefined;
  }

  return { fromBasicAuth, fromUsername };
}

export type Identity = ReturnType<typeof createIdentity>;

function parseBasicUser(header: string): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header.trim());
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  return colon === -1 ? decoded : decoded.slice(0, colon);
}
