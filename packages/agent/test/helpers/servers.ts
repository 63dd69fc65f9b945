/** Programs run inside sandboxes by the tests (python3 is in the base template). */

/** An HTTP server that answers GET / with "hello from <port>" and echoes POST bodies. */
export function httpServerScript(port: number, bind = "127.0.0.1"): string {
  return `
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from %d path=%s" % (${port}, self.path)).encode()
        self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        n = int(self.headers.get("content-length", "0")); body = self.rfile.read(n)
        self.send_response(200); self.send_header("content-length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
http.server.ThreadingHTTPServer(("${bind}", ${port}), H).serve_forever()
`;
}

/** A minimal WebSocket echo server (RFC 6455 text/binary frames, masked client frames). */
export function wsEchoScript(port: number): string {
  return `
import socket, threading, hashlib, base64, struct
def handle(c):
    req = b""
    while b"\\r\\n\\r\\n" not in req:
        chunk = c.recv(4096)
        if not chunk: return
        req += chunk
    key = [l.split(b":",1)[1].strip() for l in req.split(b"\\r\\n") if l.lower().startswith(b"sec-websocket-key")][0]
    acc = base64.b64encode(hashlib.sha1(key + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
    c.sendall(b"HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Accept: " + acc + b"\\r\\n\\r\\n")
    f = c.makefile("rb")
    while True:
        h = f.read(2)
        if len(h) < 2: return
        op = h[0] & 0x0f; n = h[1] & 0x7f
        if n == 126: n = struct.unpack(">H", f.read(2))[0]
        elif n == 127: n = struct.unpack(">Q", f.read(8))[0]
        mask = f.read(4); data = bytes(b ^ mask[i % 4] for i, b in enumerate(f.read(n)))
        if op == 8: c.sendall(b"\\x88\\x00"); return
        hdr = bytes([0x80 | op]) + (bytes([n]) if n < 126 else (bytes([126]) + struct.pack(">H", n)))
        c.sendall(hdr + data)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", ${port})); s.listen(16)
while True:
    c, _ = s.accept(); threading.Thread(target=handle, args=(c,), daemon=True).start()
`;
}
