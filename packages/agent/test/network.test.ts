/**
 * The network module against the real kernel: needs root, iproute2, iptables and nsenter.
 * All traffic stays on this machine: "the internet" is a netns made here (helpers/netns.ts).
 */
import { readdir } from "node:fs/promises";
import { connect, createServer, type Server } from "node:net";
import { ExhaustedError, InvalidArgumentError, NotFoundError } from "@wrenn/shared";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { exec } from "../src/exec.js";
import { readSlotCounters } from "../src/network/counters.js";
import { ensureHostFirewall, removeHostFirewall } from "../src/network/firewall.js";
import type { NetworkPolicy } from "../src/network/policy.js";
import { SANDBOX_INNER_ADDRESS, type Slot } from "../src/network/slot.js";
import { createSlotPool, type SlotPool } from "../src/network/slot-pool.js";
import {
  createFakeInternet,
  FAKE_INTERNET,
  httpGet,
  httpGetInNetns,
  type NetnsServer,
  netnsRead,
  probeTcp,
  removeFakeInternet,
  startServer,
} from "./helpers/netns.js";

const log = pino({ level: "warn" });
const SERVER_PORT = 8080;
const OPEN: NetworkPolicy = { internetAccess: true, allowCidrs: [], denyCidrs: [] };
const WAIT = { timeout: 15_000, interval: 50 };

/** Every pool a test made, destroyed in afterAll even when a test failed half-way. */
const pools: SlotPool[] = [];
let fakeInternet: NetnsServer | undefined;

function newPool(options: { minFree: number; maxSlots: number }): SlotPool {
  const pool = createSlotPool({ log, ...options });
  pools.push(pool);
  return pool;
}

async function destroyPools(): Promise<void> {
  for (const pool of pools.splice(0)) await pool.destroyAll();
}

/** What is left on the host of this module: must be nothing after cleanup. */
async function leftoverNames(): Promise<string[]> {
  const [netns, links, filter, nat] = await Promise.all([
    readdir("/run/netns").catch((error: NodeJS.ErrnoException) => {
      // The directory only exists once a named netns was made.
      if (error.code === "ENOENT") return [];
      throw error;
    }),
    readdir("/sys/class/net"),
    exec(["iptables-save", "-t", "filter"]),
    exec(["iptables-save", "-t", "nat"]),
  ]);
  return [
    ...netns.filter((name) => name.startsWith("wrenn-s")),
    ...links.filter((name) => name.startsWith("wrn")),
    ...`${filter.stdout}\n${nat.stdout}`.split("\n").filter((line) => line.includes("WRENN-")),
  ];
}

/** Only the slot resources (netns, veths, slot chains and their dispatch rules). */
async function slotLeftovers(): Promise<string[]> {
  return (await leftoverNames()).filter((name) => /wrenn-s\d|wrn\d|WRENN-S\d/.test(name));
}

async function waitForHttp(slot: Slot, expected: string): Promise<void> {
  await vi.waitFor(async () => {
    expect(await httpGet(`http://${slot.sandboxAddress}:${SERVER_PORT}/`)).toBe(
      `${expected} ${slot.hostAddress}`,
    );
  }, WAIT);
}

/** Connects from the test process (the host netns) and returns what the peer sends. */
function connectFromHost(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    connect({ host, port, timeout: 5_000 })
      .on("data", (chunk: Buffer) => chunks.push(chunk))
      .on("end", () => resolve(Buffer.concat(chunks).toString()))
      .on("timeout", () => reject(new Error(`connect ${host}:${port} timed out`)))
      .on("error", reject);
  });
}

function probe(slot: Slot, host: string, port: number) {
  return probeTcp({ netnsPath: slot.netnsPath, host, port });
}

beforeAll(async () => {
  if (process.getuid?.() !== 0) throw new Error("network tests need root (netns, iptables)");
  fakeInternet = await createFakeInternet();
});

afterAll(async () => {
  const failures: unknown[] = [];
  const attempt = async (step: () => Promise<void>) => {
    await step().catch((error: unknown) => failures.push(error));
  };
  await attempt(destroyPools);
  // Anything a failed test left (or a crashed earlier run): a fresh pool destroys leftovers too.
  await attempt(async () => {
    if ((await slotLeftovers()).length === 0) return;
    const sweeper = createSlotPool({ log, minFree: 0, maxSlots: 16 });
    await sweeper.init();
    await sweeper.destroyAll();
  });
  await attempt(async () => fakeInternet?.stop());
  await attempt(removeFakeInternet);
  await attempt(() => removeHostFirewall({ log }));
  if (failures.length > 0) throw new AggregateError(failures, "network test cleanup failed");
});

describe("slot pool", () => {
  let pool: SlotPool;
  let a: Slot;
  let b: Slot;
  let hostListener: Server;
  let hostPort: number;
  const servers: NetnsServer[] = [];

  beforeAll(async () => {
    pool = newPool({ minFree: 2, maxSlots: 8 });
    await pool.init(AbortSignal.timeout(30_000));
    // Slots a crashed earlier run left behind are not this test's business.
    await pool.reapUnadopted();
    hostListener = createServer((socket) => {
      // Probes hang up as soon as they connect: a reset is the expected end, not a failure.
      socket.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code !== "ECONNRESET") throw error;
      });
      socket.end("host");
    });
    await new Promise<void>((resolve) => hostListener.listen(0, "0.0.0.0", resolve));
    const address = hostListener.address();
    if (address === null || typeof address === "string") throw new Error("no host port");
    hostPort = address.port;
  });

  afterAll(async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    await new Promise((resolve) => hostListener.close(resolve));
    await destroyPools();
  });

  it("prepares minFree slots in the background", async () => {
    await vi.waitFor(() => expect(pool.stats().free).toBe(2), WAIT);
  });

  it("lets the host reach each sandbox through its slot address", async () => {
    a = await pool.acquire({ internetAccess: true, allowCidrs: [], denyCidrs: ["10.254.1.0/24"] });
    b = await pool.acquire({
      internetAccess: false,
      allowCidrs: [FAKE_INTERNET.otherTarget],
      denyCidrs: ["10.254.1.0/24"],
    });
    expect(a.index).not.toBe(b.index);
    expect(a.sandboxAddress).not.toBe(b.sandboxAddress);
    // A listener on the inner address (as envd's port forwarder) and one on 0.0.0.0.
    servers.push(
      startServer({
        netnsPath: a.netnsPath,
        name: "A",
        host: SANDBOX_INNER_ADDRESS,
        port: SERVER_PORT,
      }),
      startServer({ netnsPath: b.netnsPath, name: "B", host: "0.0.0.0", port: SERVER_PORT }),
    );
    await waitForHttp(a, "A");
    await waitForHttp(b, "B");
  });

  it("gives every sandbox the same inner address and no IPv6", async () => {
    for (const slot of [a, b]) {
      const { stdout } = await exec([
        "ip",
        "-n",
        slot.netnsName,
        "-4",
        "-o",
        "addr",
        "show",
        "eth0",
      ]);
      expect(stdout).toContain(`inet ${SANDBOX_INNER_ADDRESS}/32`);
      expect(stdout).toContain(`inet ${slot.sandboxAddress}/30`);
      expect(await netnsRead(slot.netnsPath, "/proc/sys/net/ipv6/conf/all/disable_ipv6")).toBe("1");
      expect(await netnsRead(slot.netnsPath, "/proc/sys/net/ipv6/conf/eth0/disable_ipv6")).toBe(
        "1",
      );
    }
  });

  it("keeps a sandbox away from other sandboxes and every host address", async () => {
    // The listener is really there for the host itself.
    expect(await connectFromHost(a.hostAddress, hostPort)).toBe("host");
    const results = await Promise.all([
      probe(a, b.sandboxAddress, SERVER_PORT),
      probe(b, a.sandboxAddress, SERVER_PORT),
      probe(a, a.hostAddress, hostPort),
      probe(a, b.hostAddress, hostPort),
      probe(a, FAKE_INTERNET.hostAddress, hostPort),
      probe(b, b.hostAddress, hostPort),
    ]);
    expect(results).toEqual(["timeout", "timeout", "timeout", "timeout", "timeout", "timeout"]);
    // 127.0.0.1 inside is the sandbox's own loopback, not the host's.
    expect(await probe(a, "127.0.0.1", hostPort)).toBe("refused");
  });

  it("drops cloud metadata, which would otherwise reach the fake one", async () => {
    const { stdout } = await exec([
      "ip",
      "route",
      "get",
      FAKE_INTERNET.metadata,
      "from",
      a.sandboxAddress,
      "iif",
      a.hostVeth,
    ]);
    expect(stdout).toContain(`dev ${FAKE_INTERNET.hostVeth}`);
    expect(await probe(a, FAKE_INTERNET.metadata, FAKE_INTERNET.port)).toBe("timeout");
  });

  it("owes those drops to the host firewall, which ensureHostFirewall repairs", async () => {
    // Control: without the jumps into WRENN-INPUT / WRENN-FORWARD the same probes connect, so
    // the timeouts above are the firewall's doing and not a routing accident.
    await exec(["iptables", "-w", "-D", "INPUT", "-i", "wrn+", "-j", "WRENN-INPUT"]);
    await exec(["iptables", "-w", "-D", "FORWARD", "-j", "WRENN-FORWARD"]);
    try {
      expect(
        await Promise.all([
          probe(a, a.hostAddress, hostPort),
          probe(a, b.sandboxAddress, SERVER_PORT),
          probe(a, FAKE_INTERNET.metadata, FAKE_INTERNET.port),
        ]),
      ).toEqual(["open", "open", "open"]);
    } finally {
      await ensureHostFirewall({ log });
      await ensureHostFirewall({ log });
    }
    const { stdout } = await exec(["iptables", "-w", "-S"]);
    expect(stdout.split("\n").filter((line) => line.endsWith("-j WRENN-FORWARD"))).toEqual([
      "-A FORWARD -j WRENN-FORWARD",
    ]);
    // Repairing kept the live slots' dispatch rules.
    expect(stdout).toContain(`-j WRENN-S${a.index}`);
    expect(
      await Promise.all([
        probe(a, a.hostAddress, hostPort),
        probe(a, b.sandboxAddress, SERVER_PORT),
        probe(a, FAKE_INTERNET.metadata, FAKE_INTERNET.port),
      ]),
    ).toEqual(["timeout", "timeout", "timeout"]);
  });

  it("applies allow and deny lists, allow winning over deny", async () => {
    const results = await Promise.all([
      probe(a, FAKE_INTERNET.allowedTarget, FAKE_INTERNET.port),
      probe(a, FAKE_INTERNET.otherTarget, FAKE_INTERNET.port),
      probe(b, FAKE_INTERNET.otherTarget, FAKE_INTERNET.port),
      probe(b, FAKE_INTERNET.allowedTarget, FAKE_INTERNET.port),
    ]);
    // a: internet, deny 10.254.1.0/24. b: no internet, allow 10.254.1.1, deny 10.254.1.0/24.
    expect(results).toEqual(["open", "timeout", "open", "timeout"]);
  });

  it("masquerades outbound traffic behind the host", async () => {
    const url = `http://${FAKE_INTERNET.allowedTarget}:${FAKE_INTERNET.port}/`;
    expect(await httpGetInNetns(a.netnsPath, url)).toBe(`inet ${FAKE_INTERNET.hostAddress}`);
  });

  it("counts the sandbox's traffic on its veth", async () => {
    const counters = await readSlotCounters(a);
    expect(counters.rxBytes).toBeGreaterThan(0);
    expect(counters.txBytes).toBeGreaterThan(0);
  });

  it("releases and reacquires a slot with a new policy", async () => {
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    await pool.release(a);
    await pool.release(b);
    const c = await pool.acquire({
      internetAccess: false,
      allowCidrs: [FAKE_INTERNET.allowedTarget],
      denyCidrs: [],
    });
    expect([a.index, b.index]).toContain(c.index);
    servers.push(
      startServer({ netnsPath: c.netnsPath, name: "C", host: "0.0.0.0", port: SERVER_PORT }),
    );
    await waitForHttp(c, "C");
    expect(
      await Promise.all([
        probe(c, FAKE_INTERNET.allowedTarget, FAKE_INTERNET.port),
        probe(c, FAKE_INTERNET.otherTarget, FAKE_INTERNET.port),
      ]),
    ).toEqual(["open", "timeout"]);
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    await pool.release(c);
  });

  it("refuses a bad CIDR before taking a slot", async () => {
    const before = pool.stats();
    await expect(
      pool.acquire({ internetAccess: true, allowCidrs: ["10.0.0.0/8; rm -rf /"], denyCidrs: [] }),
    ).rejects.toThrow(InvalidArgumentError);
    await expect(
      pool.acquire({ internetAccess: true, allowCidrs: [], denyCidrs: ["2001:db8::/32"] }),
    ).rejects.toThrow(InvalidArgumentError);
    expect(pool.stats().inUse).toBe(before.inUse);
  });

  it("builds slots on demand up to maxSlots, then refuses", async () => {
    const taken: Slot[] = [];
    try {
      for (;;) taken.push(await pool.acquire(OPEN));
    } catch (error) {
      expect(error).toBeInstanceOf(ExhaustedError);
    }
    expect(taken.length).toBeGreaterThan(0);
    const stats = pool.stats();
    expect(stats.free + stats.inUse + stats.busy + stats.leftovers).toBe(8);
    for (const slot of taken) await pool.release(slot);
    // Past minFree * 2 free slots, released ones are destroyed.
    expect(pool.stats().free).toBeLessThanOrEqual(4);
  });
});

describe("aborted acquire", () => {
  it("leaves nothing half-built, wherever the abort lands", async () => {
    // minFree 0: every acquire builds, and every release destroys.
    const pool = newPool({ minFree: 0, maxSlots: 4 });
    await pool.init();
    const outcomes = new Set<string>();
    for (const delayMs of [0, 1, 3, 6, 10, 15, 25, 40, 80]) {
      try {
        const slot = await pool.acquire(OPEN, AbortSignal.timeout(delayMs));
        outcomes.add("acquired");
        await pool.release(slot);
      } catch (error) {
        outcomes.add("aborted");
        expect(error).toBeInstanceOf(Error);
      }
      expect(pool.stats()).toEqual({ free: 0, inUse: 0, leftovers: 0, busy: 0 });
      expect(await slotLeftovers()).toEqual([]);
    }
    expect(outcomes.has("aborted")).toBe(true);
  });
});

describe("crash recovery", () => {
  it("adopts the slots of surviving sandboxes and reaps the rest", async () => {
    const first = newPool({ minFree: 1, maxSlots: 4 });
    await first.init();
    const survivor = await first.acquire(OPEN);
    const server = startServer({
      netnsPath: survivor.netnsPath,
      name: "S",
      host: "0.0.0.0",
      port: SERVER_PORT,
    });
    try {
      await waitForHttp(survivor, "S");
      await vi.waitFor(() => expect(first.stats().free).toBe(1), WAIT);
      // The agent dies: its slots stay, and so do two half-built ones from an earlier crash.
      await first.shutdown();
      await exec(["ip", "netns", "add", "wrenn-s100"]);
      await exec(["iptables", "-w", "-N", "WRENN-S101"]);

      const second = newPool({ minFree: 0, maxSlots: 8 });
      const leftovers = await second.init();
      const indices = leftovers.map((leftover) => leftover.index);
      expect(indices).toContain(survivor.index);
      expect(indices).toContain(100);
      expect(indices).toContain(101);
      expect(leftovers.length).toBe(4);
      const whole = leftovers.find((leftover) => leftover.index === survivor.index);
      expect(whole).toMatchObject({ hasNetns: true, hasHostVeth: true, chain: { hasChain: true } });

      await expect(second.adopt(9999, OPEN)).rejects.toThrow(NotFoundError);
      await expect(second.adopt(100, OPEN)).rejects.toThrow(/incomplete/);
      const adopted = await second.adopt(survivor.index, OPEN);
      expect(adopted.sandboxAddress).toBe(survivor.sandboxAddress);
      const reaped = await second.reapUnadopted();
      expect(reaped).toEqual(indices.filter((index) => index !== survivor.index));
      expect(second.stats()).toMatchObject({ inUse: 1, leftovers: 0 });

      const left = await leftoverNames();
      for (const index of reaped) {
        expect(left).not.toContain(`wrenn-s${index}`);
        expect(left).not.toContain(`wrn${index}`);
        expect(left.filter((line) => new RegExp(`WRENN-S${index}\\b`).test(line))).toEqual([]);
      }
      // The adopted sandbox kept its network through all this.
      await waitForHttp(adopted, "S");
    } finally {
      await server.stop();
    }
  });
});

describe("cleanup", () => {
  it("leaves nothing named wrenn-s*, wrn* or WRENN-* behind", async () => {
    await destroyPools();
    await removeHostFirewall({ log });
    expect(await leftoverNames()).toEqual([]);
  });
});
