import { describe, expect, it } from "vitest";
import {
  parseListeningSockets,
  type ScanSource,
  scanLoopbackListeners,
  selectLoopbackListeners,
} from "./scanner.js";

// Captured from a little-endian (x86-64) kernel, trimmed to the columns that matter.
const TCP_LE = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1149 1 0000000008b32056 100 0 0 10 0
   1: 00000000:07E8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1150 1 0000000008b32057 100 0 0 10 0
   2: 3500007F:0035 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 1151 1 0000000008b32058 100 0 0 10 0
   3: 0100007F:A0D2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 1152 1 0000000008b32059 20 4 30 10 -1
   4: 020200C0:998C 507100CB:0050 06 00000000:00000000 03:000004F2 00000000     0        0 0 3 000000001eeaf1bb
`;

const TCP6_LE = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000001000000:0BB8 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3687 1 00000000bab06896 100 0 0 10 0
   1: 0000000000000000FFFF00000100007F:0FA0 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3688 1 00000000bab06897 100 0 0 10 0
   2: 00000000000000000000000000000000:80ED 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3689 1 00000000bab06898 100 0 0 10 0
   3: 000080FE0000000023FEFF010A896745:1388 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 3690 1 00000000bab06899 100 0 0 10 0
`;

describe("parseListeningSockets", () => {
  it("decodes little-endian IPv4 words and keeps only LISTEN sockets", () => {
    expect(parseListeningSockets(TCP_LE, { family: 4, byteOrder: "LE" })).toEqual([
      { address: "127.0.0.1", port: 8080 },
      { address: "0.0.0.0", port: 2024 },
      { address: "127.0.0.53", port: 53 },
    ]);
  });

  it("decodes IPv6 loopback, v4-mapped, wildcard and link-local addresses", () => {
    expect(parseListeningSockets(TCP6_LE, { family: 6, byteOrder: "LE" })).toEqual([
      { address: "::1", port: 3000 },
      { address: "::ffff:127.0.0.1", port: 4000 },
      { address: "::", port: 33005 },
      { address: "fe80::1ff:fe23:4567:890a", port: 5000 },
    ]);
  });

  it("reads big-endian kernels' words as printed", () => {
    const tcp =
      "   0: 7F000001:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1 1\n";
    const tcp6 = [
      "   0: 00000000000000000000000000000001:0BB8 00000000000000000000000000000000:0000 0A 0 0",
      "   1: 00000000000000000000FFFF7F000001:0FA0 00000000000000000000000000000000:0000 0A 0 0",
    ].join("\n");
    expect(parseListeningSockets(tcp, { family: 4, byteOrder: "BE" })).toEqual([
      { address: "127.0.0.1", port: 8080 },
    ]);
    expect(parseListeningSockets(tcp6, { family: 6, byteOrder: "BE" })).toEqual([
      { address: "::1", port: 3000 },
      { address: "::ffff:127.0.0.1", port: 4000 },
    ]);
  });

  it("skips headers, blank and malformed lines", () => {
    const text = [
      "  sl  local_address rem_address   st",
      "",
      "   0: 0100007F 00000000:0000 0A",
      "   1: 0100007F:XYZW 00000000:0000 0A",
      "   2: 01007F:1F90 00000000:0000 0A",
      "   3: 0100007F:0050 00000000:0000 0A",
    ].join("\n");
    expect(parseListeningSockets(text, { family: 4, byteOrder: "LE" })).toEqual([
      { address: "127.0.0.1", port: 80 },
    ]);
  });
});

describe("selectLoopbackListeners", () => {
  it("keeps loopback listeners only, mapped v4 loopback as IPv4", () => {
    const selected = selectLoopbackListeners([
      { address: "127.0.0.1", port: 8080 },
      { address: "0.0.0.0", port: 2024 },
      { address: "127.0.0.53", port: 53 },
      { address: "::1", port: 3000 },
      { address: "::ffff:127.0.0.1", port: 4000 },
      { address: "::", port: 33005 },
    ]);
    expect([...selected]).toEqual([
      [8080, "127.0.0.1"],
      [3000, "::1"],
      [4000, "127.0.0.1"],
    ]);
  });

  it("prefers IPv4 when a port listens on both loopbacks, in either order", () => {
    const a = selectLoopbackListeners([
      { address: "::1", port: 5000 },
      { address: "127.0.0.1", port: 5000 },
    ]);
    const b = selectLoopbackListeners([
      { address: "127.0.0.1", port: 5000 },
      { address: "::1", port: 5000 },
    ]);
    expect(a.get(5000)).toBe("127.0.0.1");
    expect(b.get(5000)).toBe("127.0.0.1");
  });
});

describe("scanLoopbackListeners", () => {
  it("merges both tables and tolerates a missing tcp6", async () => {
    const files: Record<string, string> = { "/proc/net/tcp": TCP_LE, "/proc/net/tcp6": "" };
    const source: ScanSource = {
      byteOrder: "LE",
      read: async (path) => files[path] ?? "",
    };
    const listeners = await scanLoopbackListeners(source, new AbortController().signal);
    expect([...listeners]).toEqual([[8080, "127.0.0.1"]]);
    files["/proc/net/tcp6"] = TCP6_LE;
    const both = await scanLoopbackListeners(source, new AbortController().signal);
    expect([...both]).toEqual([
      [8080, "127.0.0.1"],
      [3000, "::1"],
      [4000, "127.0.0.1"],
    ]);
  });
});
