import type { Request, Response } from "./respond.js";

const EXPOSED = [
  "Connect-Protocol-Version",
  "Connect-Content-Encoding",
  "Connect-Accept-Encoding",
  "Grpc-Status",
  "Grpc-Message",
  "Grpc-Status-Details-Bin",
  "Location",
  "Cache-Control",
  "X-Content-Type-Options",
].join(", ");

/** envd is called from browsers too: any origin, any header. Returns true when it answered. */
export function applyCors(req: Request, res: Response): boolean {
  const origin = req.headers.origin;
  res.setHeader("access-control-allow-origin", typeof origin === "string" ? origin : "*");
  res.setHeader("vary", "Origin");
  res.setHeader("access-control-expose-headers", EXPOSED);
  if (req.method !== "OPTIONS") return false;
  res.setHeader("access-control-allow-methods", "HEAD, GET, POST, PUT, PATCH, DELETE");
  const requested = req.headers["access-control-request-headers"];
  res.setHeader("access-control-allow-headers", typeof requested === "string" ? requested : "*");
  res.setHeader("access-control-max-age", "7200");
  res.writeHead(204);
  res.end();
  return true;
}
