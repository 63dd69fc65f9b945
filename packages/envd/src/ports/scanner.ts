import { readFile } from "node:fs/promises";
import { endianness } from "node:os";

/** A TCP socket in LISTEN state, as the kernel lists it in /proc/net/tcp{,6}. */
export interface ListeningSocket {
  /** Canonical text form: "127.0.0.1", "::1", "::ffff:127.0.0.1", "fe80::1". */
  readonly address: string;
  readonly port: number;
}

/** Loopback-only listeners by port; the value is the address connections are piped to. */
export type LoopbackListeners = ReadonlyMap<number, "127.0.0.1" | "::1">;

export type ByteOrder = "LE" | "BE";

const TCP_LISTEN = "0A";

/**
 * Parses the text of /proc/net/tcp (family 4) or /proc/net/tcp6 (family 6) and returns the
 * listening sockets. The kernel prints each address as 32-bit words with `%08X` of the
 * network-order value read as a native integer, so on little-endian hosts every word's bytes
 * come out reversed (127.0.0.1 is `0100007F`); `byteOrder` is the host's, which undoes that.
 * Ports are printed as plain numbers and need no swapping. Malformed lines are skipped: the
 * format is the kernel's and a future column must not break forwarding.
 */
export function parseListeningSockets(
  text: string,
  options: { family: 4 | 6; byteOrder: ByteOrder },
): ListeningSocket[] {
  const hexLength = options.family === 4 ? 8 : 32;
  const sockets: ListeningSocket[] = [];
  for (const line of text.split("\n")) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    if (fields[3] !== TCP_LISTEN || local === undefined) continue;
    const [addressHex, portHex] = local.split(":");
    if (addressHex?.length !== hexLength || !/^[0-9A-Fa-f]+$/.test(addressHex)) continue;
    if (portHex === undefined || !/^[0-9A-Fa-f]{4}$/.test(portHex)) continue;
    const bytes = decodeWords(addressHex, options.byteOrder);
    const address = options.family === 4 ? formatIPv4(bytes) : formatIPv6(bytes);
    sockets.push({ address, port: Number.parseInt(portHex, 16) });
  }
  return sockets;
}

/**
 * Keeps only what E2B forwards: programs bound to the loopback address itself. Other
 * 127.0.0.0/8 addresses are left alone on purpose (127.0.0.53 is systemd-resolved's stub,
 * and such binds are usually meant to stay private), as are wildcard binds, which are
 * reachable from outside already. When a port listens on both families, IPv4 wins: the
 * forward address is one address, so there is one forward per port.
 */
export function selectLoopbackListeners(sockets: readonly ListeningSocket[]): LoopbackListeners {
  const selected = new Map<number, "127.0.0.1" | "::1">();
  for (const { address, port } of sockets) {
    // A v6 socket bound to the v4-mapped loopback accepts plain IPv4 connections.
    if (address === "127.0.0.1" || address === "::ffff:127.0.0.1") selected.set(port, "127.0.0.1");
    else if (address === "::1" && !selected.has(port)) selected.set(port, "::1");
  }
  return selected;
}

export interface ScanSource {
  /** The text of a /proc file, or "" when it does not exist (IPv6 disabled: no tcp6). */
  read(path: string, signal: AbortSignal): Promise<string>;
  readonly byteOrder: ByteOrder;
}

/** The real /proc of this process's network namespace. */
export const procScanSource: ScanSource = {
  byteOrder: endianness(),
  async read(path, signal) {
    try {
      return await readFile(path, { encoding: "utf8", signal });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
      throw error;
    }
  },
};

/** One scan of both tables. */
export async function scanLoopbackListeners(
  source: ScanSource,
  signal: AbortSignal,
): Promise<LoopbackListeners> {
  const [tcp, tcp6] = await Promise.all([
    source.read("/proc/net/tcp", signal),
    source.read("/proc/net/tcp6", signal),
  ]);
  const { byteOrder } = source;
  return selectLoopbackListeners([
    ...parseListeningSockets(tcp, { family: 4, byteOrder }),
    ...parseListeningSockets(tcp6, { family: 6, byteOrder }),
  ]);
}

function decodeWords(hex: string, byteOrder: ByteOrder): number[] {
  const bytes: number[] = [];
  for (let word = 0; word < hex.length; word += 8) {
    const wordBytes: number[] = [];
    for (let i = word; i < word + 8; i += 2)
      wordBytes.push(Number.parseInt(hex.slice(i, i + 2), 16));
    if (byteOrder === "LE") wordBytes.reverse();
    bytes.push(...wordBytes);
  }
  return bytes;
}

function formatIPv4(bytes: readonly number[]): string {
  return bytes.join(".");
}

function formatIPv6(bytes: readonly number[]): string {
  const isMapped =
    bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMapped) return `::ffff:${formatIPv4(bytes.slice(12))}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] ?? 0) << 8) | (bytes[i + 1] ?? 0));
  // RFC 5952: compress the longest run of two or more zero groups, the first on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0) length++;
    if (length > bestLength) {
      bestStart = start;
      bestLength = length;
    }
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}
