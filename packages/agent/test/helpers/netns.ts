/**
 * Test helpers for the network module: processes inside a netns, TCP probes, and a fake
 * "internet" netns on this machine, so no test traffic ever leaves it.
 */
import { CommandError, exec } from "../../src/exec.js";

const NODE = process.execPath;

export type ProbeResult = "open" | "refused" | "timeout" | `error:${string}`;

// Runs inside the netns: one TCP connect, reported on stdout. A DROP rule shows as "timeout".
const PROBE_SCRIPT = `
const net = require("node:net");
const [host, port, timeoutMs] = process.argv.slice(1);
const done = (result) => { console.log(result); process.exit(0); };
setTimeout(() => done("timeout"), Number(timeoutMs));
net.connect({ host, port: Number(port) })
  .on("connect", () => done("open"))
  .on("error", (e) => done(e.code === "ECONNREFUSED" ? "refused" : "error:" + e.code));
`;

/** Connects from inside `netnsPath` to host:port. */
export async function probeTcp(options: {
  netnsPath: string;
  host: string;
  port: number;
  timeoutMs?: number;
}): Promise<ProbeResult> {
  const { stdout } = await exec(
    inNetns(options.netnsPath, [
      NODE,
      "-e",
      PROBE_SCRIPT,
      options.host,
      String(options.port),
      String(options.timeoutMs ?? 1500),
    ]),
    { signal: AbortSignal.timeout(30_000) },
  );
  return stdout.trim() as ProbeResult;
}

// An HTTP server answering with its name and the peer's address, so tests see who answered
// and what source address NAT left.
const SERVER_SCRIPT = `
const [name, host, port] = process.argv.slice(1);
require("node:http")
  .createServer((req, res) => res.end(name + " " + req.socket.remoteAddress))
  .listen(Number(port), host);
`;

export interface NetnsServer {
  /** Stops the server; throws if it had died on its own (e.g. EADDRINUSE). */
  stop(): Promise<void>;
}

/** Starts a long-lived HTTP server inside a netns; wait for it with `httpGet` + `vi.waitFor`. */
export function startServer(options: {
  netnsPath: string;
  name: string;
  host: string;
  port: number;
}): NetnsServer {
  const controller = new AbortController();
  const argv = inNetns(options.netnsPath, [
    NODE,
    "-e",
    SERVER_SCRIPT,
    options.name,
    options.host,
    String(options.port),
  ]);
  // Settled at once into a value, so an early crash is reported by stop(), not as unhandled.
  const exited = exec(argv, { signal: controller.signal }).then(
    () => new Error(`server ${options.name} exited`),
    (error: unknown) => (controller.signal.aborted ? undefined : error),
  );
  return {
    async stop() {
      controller.abort();
      const failure = await exited;
      if (failure) throw failure;
    },
  };
}

/** GET from the host; throws on timeout or a non-200. */
export async function httpGet(url: string, timeoutMs = 1000): Promise<string> {
  const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  return response.text();
}

/** GET from inside a netns, with Node's fetch (no curl needed). */
export async function httpGetInNetns(netnsPath: string, url: string): Promise<string> {
  const script =
    "fetch(process.argv[1], { signal: AbortSignal.timeout(5000) })" +
    ".then((r) => r.text()).then((t) => process.stdout.write(t))";
  const { stdout } = await exec(inNetns(netnsPath, [NODE, "-e", script, url]), {
    signal: AbortSignal.timeout(30_000),
  });
  return stdout;
}

export function inNetns(netnsPath: string, argv: readonly string[]): string[] {
  return ["nsenter", `--net=${netnsPath}`, ...argv];
}

export async function netnsRead(netnsPath: string, file: string): Promise<string> {
  const { stdout } = await exec(inNetns(netnsPath, ["cat", file]));
  return stdout.trim();
}

/**
 * A netns standing in for the internet: 10.254.0.1 and 10.254.1.1 (two destinations, for
 * allow/deny lists) and 169.254.169.254 (fake cloud metadata), behind a veth with a host route.
 * Metadata is routed there only for traffic from the slot range (policy routing), so the host's
 * own metadata access is untouched, and a firewall bug would hit the fake, not the cloud.
 */
export const FAKE_INTERNET = {
  netnsName: "wrenntest-inet",
  netnsPath: "/run/netns/wrenntest-inet",
  hostVeth: "wtinet0",
  hostAddress: "10.254.255.1",
  peerAddress: "10.254.255.2",
  allowedTarget: "10.254.0.1",
  otherTarget: "10.254.1.1",
  metadata: "169.254.169.254",
  routeTable: "4242",
  port: 8081,
} as const;

export async function createFakeInternet(): Promise<NetnsServer> {
  const f = FAKE_INTERNET;
  await removeFakeInternet();
  await ipBatch(undefined, [
    `netns add ${f.netnsName}`,
    `link add ${f.hostVeth} type veth peer name eth0 netns ${f.netnsName}`,
    `addr add ${f.hostAddress}/30 dev ${f.hostVeth}`,
    `link set ${f.hostVeth} up`,
    `route add 10.254.0.0/16 via ${f.peerAddress} dev ${f.hostVeth}`,
    `route add ${f.metadata}/32 via ${f.peerAddress} dev ${f.hostVeth} table ${f.routeTable}`,
    `rule add from 10.11.0.0/16 to ${f.metadata}/32 lookup ${f.routeTable} pref 1000`,
  ]);
  await ipBatch(f.netnsName, [
    `addr add ${f.peerAddress}/30 dev eth0`,
    `addr add ${f.allowedTarget}/32 dev lo`,
    `addr add ${f.otherTarget}/32 dev lo`,
    `addr add ${f.metadata}/32 dev lo`,
    "link set lo up",
    "link set eth0 up",
    `route add default via ${f.hostAddress}`,
  ]);
  return startServer({ netnsPath: f.netnsPath, name: "inet", host: "0.0.0.0", port: f.port });
}

/** Removes the fake internet; each part only if present, so it also cleans after a crash. */
export async function removeFakeInternet(): Promise<void> {
  const f = FAKE_INTERNET;
  const { stdout: rules } = await exec(["ip", "rule", "show", "pref", "1000"]);
  if (rules.includes(`lookup ${f.routeTable}`)) {
    await exec(["ip", "rule", "del", "pref", "1000", "lookup", f.routeTable]);
  }
  // Exit 2: the table does not exist (never created, or gone with its last route).
  await exec(["ip", "route", "flush", "table", f.routeTable], { okCodes: [2] });
  // Exit 1: no such device.
  await exec(["ip", "link", "del", f.hostVeth], { okCodes: [1] });
  try {
    await exec(["ip", "netns", "del", f.netnsName]);
  } catch (error) {
    if (!(error instanceof CommandError && error.stderr.includes("No such file"))) throw error;
  }
}

async function ipBatch(netnsName: string | undefined, lines: readonly string[]): Promise<void> {
  const argv = netnsName ? ["ip", "-n", netnsName, "-batch", "-"] : ["ip", "-batch", "-"];
  await exec(argv, { input: `${lines.join("\n")}\n` });
}
