import http from "node:http";
import type http2 from "node:http2";
import net from "node:net";
import { Duplex } from "node:stream";

export type RequestListener = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

const H2_PREFACE = Buffer.from("PRI * HTTP/2.0");

/**
 * One port for HTTP/1.1 (what the e2b SDK uses) and cleartext HTTP/2 with prior knowledge
 * (what Connect clients need for client streaming). The first bytes of a connection decide.
 */
export function createDualServer(listener: RequestListener) {
  const h1 = http.createServer(
    // Streams (process output, watches, big uploads) may legitimately run for hours.
    { requestTimeout: 0, headersTimeout: 60_000, keepAliveTimeout: 640_000 },
    listener,
  );
  // HTTP/2 (and the TLS code it pulls in) loads with the first HTTP/2 connection: the SDK
  // and the host agent speak HTTP/1.1, and idle memory is paid by every sandbox.
  let h2: Promise<http2.Http2Server> | undefined;
  const h2Server = () => {
    h2 ??= import("node:http2").then(({ createServer }) => createServer({}, listener));
    return h2;
  };
  const sockets = new Set<net.Socket>();

  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, H2_PREFACE.length);
      const isH2 = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
      if (isH2 && head.length < H2_PREFACE.length) return;
      socket.off("data", onData);
      socket.pause();
      socket.unshift(head);
      if (isH2) {
        h2Server().then(
          (server) => {
            // nghttp2 reads a net.Socket's native handle directly and would never see the
            // bytes put back with unshift; through a JS-level duplex it reads them first.
            server.emit("connection", Duplex.from({ readable: socket, writable: socket }));
            socket.resume();
          },
          (error: unknown) => socket.destroy(error as Error),
        );
        return;
      }
      h1.emit("connection", socket);
      socket.resume();
    };
    socket.on("data", onData);
    socket.on("error", () => socket.destroy());
  });

  return {
    server,
    listen(port: number, host: string): Promise<net.AddressInfo> {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          resolve(server.address() as net.AddressInfo);
        });
      });
    },
    /** Stops accepting, then ends every open connection (streams included). */
    close(): Promise<void> {
      return new Promise((resolve) => {
        server.close(() => resolve());
        h1.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
