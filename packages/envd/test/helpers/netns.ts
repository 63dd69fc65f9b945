import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import net from "node:net";
import { createInterface } from "node:readline";
import { type RunningEnvd, startEnvd } from "./envd.js";

/**
 * A network namespace joined to the host by a veth pair in a private /30, standing in for a
 * sandbox's network: envd inside sees a non-loopback address, as it does in a real sandbox.
 */
export interface TestNetns {
  readonly name: string;
  /** The host's end of the veth. */
  readonly hostAddress: string;
  /** The namespace's end: the sandbox address the host reaches. */
  readonly insideAddress: string;
  /** Argv prefix that runs a command inside the namespace. */
  readonly execPrefix: readonly string[];
  /** Removes the veth and the namespace; run it after every process inside has exited. */
  destroy(): void;
}

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", timeout: 10_000 });
}

/** Picks 10.250.X.Y/30 with nothing of this machine's already in 10.250.X.0/24. */
function pickSubnet(): { host: string; inside: string } {
  const inUse = ip("-4", "-o", "addr", "show") + ip("-4", "route", "show", "table", "all");
  for (let attempt = 0; attempt < 20; attempt++) {
    const third = randomInt(0, 256);
    if (inUse.includes(`10.250.${third}.`)) continue;
    const base = randomInt(0, 64) * 4;
    return { host: `10.250.${third}.${base + 1}`, inside: `10.250.${third}.${base + 2}` };
  }
  throw new Error("no free 10.250.X.0/24 on this machine for the test namespace");
}

export function createTestNetns(): TestNetns {
  if (process.getuid?.() !== 0) throw new Error("network namespace tests need root");
  const id = randomBytes(3).toString("hex");
  const name = `wrenn-envd-${id}`;
  // Interface names are at most 15 bytes.
  const hostVeth = `wvh${id}`;
  const insideVeth = `wvn${id}`;
  const { host, inside } = pickSubnet();
  const undo: (() => void)[] = [];
  const destroy = () => {
    const failures: unknown[] = [];
    for (const step of undo.splice(0).reverse()) {
      try {
        step();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw new AggregateError(failures, `cleaning up netns ${name}`);
  };
  try {
    ip("netns", "add", name);
    undo.push(() => ip("netns", "delete", name));
    ip("link", "add", hostVeth, "type", "veth", "peer", "name", insideVeth);
    // Deleting one end deletes both; once the namespace is gone, so is the pair.
    undo.push(() => {
      if (ip("-o", "link", "show").includes(`${hostVeth}@`)) ip("link", "delete", hostVeth);
    });
    ip("link", "set", insideVeth, "netns", name);
    ip("addr", "add", `${host}/30`, "dev", hostVeth);
    ip("link", "set", hostVeth, "up");
    ip("-n", name, "addr", "add", `${inside}/30`, "dev", insideVeth);
    ip("-n", name, "link", "set", insideVeth, "up");
    ip("-n", name, "link", "set", "lo", "up");
  } catch (error) {
    destroy();
    throw error;
  }
  return {
    name,
    hostAddress: host,
    insideAddress: inside,
    execPrefix: ["ip", "netns", "exec", name],
    destroy,
  };
}

/** The real envd bundle inside the namespace, forwarding onto the namespace's address. */
export function startEnvdInNetns(ns: TestNetns, args: string[] = []): Promise<RunningEnvd> {
  return startEnvd(args, {
    commandPrefix: ns.execPrefix,
    baseArgs: [
      "--port",
      "0",
      "--host",
      "0.0.0.0",
      "--forward-address",
      ns.insideAddress,
      "--port-scan-interval-ms",
      "100",
    ],
    urlHost: ns.insideAddress,
  });
}

export interface NetnsServer {
  readonly port: number;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

// Answers every request with the body given on the command line; prints its port when ready.
const SERVER_SCRIPT = `
const [host, port, body] = process.argv.slice(1);
const server = require("node:http").createServer((req, res) => res.end(body));
server.listen(Number(port), host, () => console.log(JSON.stringify({ port: server.address().port })));
process.on("SIGTERM", () => process.exit(0));
`;

/** An HTTP server inside the namespace on `host`:`port` (0 = any) answering `body`. */
export async function startServerInNetns(
  ns: TestNetns,
  options: { host: string; port?: number; body: string },
): Promise<NetnsServer> {
  const argv = [process.execPath, "-e", SERVER_SCRIPT, options.host, String(options.port ?? 0)];
  const [command, ...rest] = [...ns.execPrefix, ...argv, options.body];
  const child = spawn(command!, rest, { stdio: ["ignore", "pipe", "inherit"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`test server exited with code ${code}`)));
    createInterface({ input: child.stdout! }).once("line", (line) => {
      resolve((JSON.parse(line) as { port: number }).port);
    });
  });
  return {
    port,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

/** Whether a TCP connection to host:port is accepted ("open") or refused. */
export function probe(host: string, port: number): Promise<"open" | "refused"> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: 5_000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve("open");
    });
    socket.once("timeout", () => {
      socket.destroy();
      reject(new Error(`connecting to ${host}:${port} timed out`));
    });
    socket.once("error", (error: NodeJS.ErrnoException) =>
      error.code === "ECONNREFUSED" ? resolve("refused") : reject(error),
    );
  });
}
