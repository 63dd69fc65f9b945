import type http from "node:http";
import type { Dispatcher, Pool } from "undici";

// Hop-by-hop headers (RFC 9110 §7.6.1) belong to one connection; undici refuses most of them.
// `expect` too: Node's server has already answered a 100-continue before the request got here.
const NOT_FORWARDED = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "te",
  "trailer",
  "upgrade",
  "expect",
]);

/** Request headers (Node's) or response headers (undici's) without the hop-by-hop ones. */
function forwardable(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !NOT_FORWARDED.has(name)) out[name] = value;
  }
  return out;
}

/**
 * One HTTP request to envd over the sandbox's undici pool, the response streamed back as it
 * comes (with backpressure both ways). envd carries file transfers, so this path is the one
 * that moves bytes: undici hands the body on as slices of what it read, where Node's HTTP
 * client copies every chunk once more, and the garbage of those copies costs the control
 * plane's process (the agent's host in single-host mode) full collections of a large heap.
 * `failed` answers an error that came before the response started (the response is cut after).
 */
export function forwardToEnvd(
  pool: Pool,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  path: string,
  failed: (error: unknown) => void,
): void {
  const abort = new AbortController();
  // The caller went away: stop reading from envd (a command stream would never end).
  res.once("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  const hasBody = req.headers["content-length"] !== undefined || req.headers["transfer-encoding"];
  pool
    .stream(
      {
        path,
        method: req.method as Dispatcher.HttpMethod,
        headers: forwardable(req.headers),
        body: hasBody ? req : null,
        signal: abort.signal,
      },
      ({ statusCode, headers }) => {
        res.writeHead(statusCode, forwardable(headers));
        return res;
      },
    )
    .catch((error: unknown) => {
      if (abort.signal.aborted) return;
      if (res.headersSent) res.destroy();
      else failed(error);
    });
}
