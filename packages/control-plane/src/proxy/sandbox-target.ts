/** Where a proxied request goes: a port of a sandbox, named by the host or the E2B headers. */
export interface SandboxTarget {
  /** As sent: not yet checked to be a sandbox id (an unknown one is a 502 like a dead one). */
  readonly sandboxId: string;
  /** NaN or out of range when the caller sent garbage; the proxy answers 400 then. */
  readonly port: number;
}

const ID_HEADER = "e2b-sandbox-id";
const PORT_HEADER = "e2b-sandbox-port";
// `{port}-{sandboxId}` as the first DNS label. Wrenn ids contain a dash (`cl-…`), so only the
// first dash separates the port; infra splits on every dash because its ids have none.
const SANDBOX_LABEL = /^(\d+)-([a-z0-9][a-z0-9-]*)$/;

/** The host name without the port (and without IPv6 brackets), lowercased. */
export function hostName(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith("[")) return lower.slice(1, lower.indexOf("]"));
  const colon = lower.lastIndexOf(":");
  return colon === -1 ? lower : lower.slice(0, colon);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Decides whether a request is sandbox traffic, before any API routing:
 * - Host `{port}-{sandboxId}.{domain}` (or `….localhost`) names the target itself;
 * - otherwise the `E2b-Sandbox-Id` + `E2b-Sandbox-Port` headers do (the SDK sends them to
 *   E2B_SANDBOX_URL). Infra reads them only on localhost, IP literals and `sandbox.{domain}`;
 *   Wrenn reads them on any host, so E2B_SANDBOX_URL may be a LAN name like `wrenn.lan:8080`.
 *   That is safe: the SDK never sends these headers to the API.
 * Anything else is an API request (null); the shared `GET /health` path is decided by the
 * headers alone.
 */
export function parseSandboxTarget(
  headers: { readonly host?: string | undefined } & Readonly<
    Record<string, string | string[] | undefined>
  >,
  domain: string | null,
): SandboxTarget | null {
  const name = hostName(headers.host ?? "");
  const domainName = domain ? hostName(domain) : null;
  const dot = name.indexOf(".");
  if (dot > 0) {
    const match = SANDBOX_LABEL.exec(name.slice(0, dot));
    const rest = name.slice(dot + 1);
    if (match && (rest === "localhost" || domainName === null || rest === domainName)) {
      return { port: Number(match[1]), sandboxId: match[2] ?? "" };
    }
  }
  const id = single(headers[ID_HEADER]);
  const port = single(headers[PORT_HEADER]);
  if (id === undefined || port === undefined) return null;
  return { sandboxId: id, port: /^\d+$/.test(port) ? Number(port) : Number.NaN };
}

export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}
