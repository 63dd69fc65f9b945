import type http from "node:http";
import type http2 from "node:http2";

export type Request = http.IncomingMessage | http2.Http2ServerRequest;
export type Response = http.ServerResponse | http2.Http2ServerResponse;

/** A handler for one plain-HTTP route; `url` is already parsed. */
export type HttpHandler = (req: Request, res: Response, url: URL) => void | Promise<void>;

/** An error that becomes envd's HTTP error body `{code, message}` with that status. */
export class HttpError extends Error {
  override readonly name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function sendJson(res: Response, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(payload),
  });
  res.end(payload);
}

export function sendError(res: Response, status: number, message: string): void {
  if (res.headersSent) {
    // Mid-body failures cannot change the status; cutting the stream tells the client.
    res.destroy(new Error(message));
    return;
  }
  sendJson(res, status, { code: status, message });
}

export function sendNoContent(res: Response): void {
  res.writeHead(204);
  res.end();
}

/** Reads a small JSON body; rejects bodies over `limitBytes` and malformed JSON with 400. */
export async function readJsonBody(req: Request, limitBytes = 1 << 20): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new HttpError(413, `request body over ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (cause) {
    throw new HttpError(400, "request body is not valid JSON", { cause });
  }
}
