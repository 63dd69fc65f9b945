import { type Client, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Process } from "@wrenn/proto/envd/process";

/**
 * A plain Connect client for envd's process service, for what the e2b SDK never does
 * (client streaming, tags, SIGTERM). HTTP/2 here is cleartext with prior knowledge.
 */
export function processClient(options: {
  baseUrl: string;
  token: string;
  httpVersion: "1.1" | "2";
  user?: string;
}): Client<typeof Process> {
  const authenticate: Interceptor = (next) => (req) => {
    req.header.set("x-access-token", options.token);
    if (options.user) {
      req.header.set(
        "authorization",
        `Basic ${Buffer.from(`${options.user}:`).toString("base64")}`,
      );
    }
    return next(req);
  };
  const transport = createConnectTransport({
    baseUrl: options.baseUrl,
    httpVersion: options.httpVersion,
    interceptors: [authenticate],
  });
  return createClient(Process, transport);
}

/** One Connect envelope: flags byte, big-endian length, payload. */
export function envelope(payload: string | Uint8Array, flags = 0): Buffer {
  const body = typeof payload === "string" ? Buffer.from(payload) : Buffer.from(payload);
  const head = Buffer.alloc(5);
  head.writeUInt8(flags, 0);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

export interface Frame {
  flags: number;
  json: unknown;
}

/** Splits a Connect streaming response body into its JSON frames. */
export function parseFrames(body: Buffer): Frame[] {
  const frames: Frame[] = [];
  let offset = 0;
  while (offset + 5 <= body.length) {
    const flags = body.readUInt8(offset);
    const length = body.readUInt32BE(offset + 1);
    const payload = body.subarray(offset + 5, offset + 5 + length);
    frames.push({ flags, json: JSON.parse(payload.toString("utf8")) });
    offset += 5 + length;
  }
  return frames;
}
