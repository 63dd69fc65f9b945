import net from "node:net";
import { pino } from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createPortForwarder, type PortForwarder } from "./port-forwarder.js";
import type { ScanSource } from "./scanner.js";

const FORWARD_ADDRESS = "127.0.0.2";

/** A scan source listing whatever ports the test puts in `ports` as 127.0.0.1 listeners. */
function fakeProc(ports: Set<number>): ScanSource & { reads: number } {
  const source = {
    byteOrder: "LE" as const,
    reads: 0,
    async read(path: string) {
      if (path !== "/proc/net/tcp") return "";
      source.reads++;
      const lines = [...ports].map(
        (port, i) => `${i}: 0100007F:${port.toString(16).padStart(4, "0")} 00000000:0000 0A 0 0`,
      );
      return ["sl local_address rem_address st", ...lines].join("\n");
    },
  };
  return source;
}

function probe(port: number): Promise<"open" | "refused"> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: FORWARD_ADDRESS, port });
    socket.on("connect", () => {
      socket.destroy();
      resolve("open");
    });
    socket.on("error", (error: NodeJS.ErrnoException) =>
      error.code === "ECONNREFUSED" ? resolve("refused") : reject(error),
    );
  });
}

describe("createPortForwarder", () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup(options: { portForwarding?: boolean; forwardAddress?: string } = {}) {
    const target = net.createServer((socket) => socket.end("hi"));
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise((resolve) => target.close(() => resolve())));
    const port = (target.address() as net.AddressInfo).port;
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: "info" }, { write: (l: string) => lines.push(JSON.parse(l)) });
    const ports = new Set([port]);
    const source = fakeProc(ports);
    const forwarder: PortForwarder = createPortForwarder({
      config: {
        forwardAddress: "forwardAddress" in options ? options.forwardAddress : FORWARD_ADDRESS,
        portScanIntervalMs: 50,
        portForwarding: options.portForwarding ?? true,
      },
      log,
      source,
      interfaces: () => ({}),
    });
    cleanups.push(() => forwarder.stop());
    const count = (msg: string) => lines.filter((l) => l.msg === msg).length;
    return { forwarder, port, ports, source, count };
  }

  it("starts once, stops completely, and starts again", async () => {
    const { forwarder, port, count } = await setup();
    forwarder.start();
    forwarder.start();
    await vi.waitFor(async () => expect(await probe(port)).toBe("open"));
    expect(count("port forwarding started")).toBe(1);

    await forwarder.stop();
    expect(await probe(port)).toBe("refused");
    expect(count("port forwarding stopped")).toBe(1);
    await forwarder.stop();

    forwarder.start();
    await vi.waitFor(async () => expect(await probe(port)).toBe("open"));
    expect(count("port forwarding started")).toBe(2);
  });

  it("follows listeners that come and go", async () => {
    const { forwarder, port, ports } = await setup();
    forwarder.start();
    await vi.waitFor(async () => expect(await probe(port)).toBe("open"));
    ports.delete(port);
    await vi.waitFor(async () => expect(await probe(port)).toBe("refused"));
    ports.add(port);
    await vi.waitFor(async () => expect(await probe(port)).toBe("open"));
  });

  it("restarts cleanly when start comes while a stop is still closing", async () => {
    const { forwarder, port, count } = await setup();
    forwarder.start();
    await vi.waitFor(async () => expect(await probe(port)).toBe("open"));
    const stopping = forwarder.stop();
    forwarder.start();
    await stopping;
    await vi.waitFor(async () => expect(await probe(port)).toBe("open"));
    expect(count("cannot forward port")).toBe(0);
  });

  it("does nothing when port forwarding is disabled", async () => {
    const { forwarder, source } = await setup({ portForwarding: false });
    forwarder.start();
    await forwarder.stop();
    expect(source.reads).toBe(0);
  });

  it("idles, logging once, while there is no forward address", async () => {
    const { forwarder, source, count } = await setup({ forwardAddress: undefined });
    forwarder.start();
    await vi.waitFor(() => expect(source.reads).toBeGreaterThanOrEqual(3));
    expect(count("port forwarding idle: no non-internal IPv4 address")).toBe(1);
  });
});
