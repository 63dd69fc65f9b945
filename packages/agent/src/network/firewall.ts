import { readFile, writeFile } from "node:fs/promises";
import type { Logger } from "pino";
import { exec } from "../exec.js";
import { parseSlotIndex } from "./addresses.js";
import type { NetworkPolicy } from "./policy.js";
import {
  HOST_CHAINS,
  hostFilterRules,
  hostNatRules,
  parseIptablesSave,
  removeAllRules,
  removeSlotRules,
  ruleParts,
  type SavedTable,
  slotPolicyRules,
  type Table,
} from "./rules.js";

const IP_FORWARD = "/proc/sys/net/ipv4/ip_forward";

/** argv that runs `argv` inside a named netns; nsenter skips the /sys remount `ip netns exec` does. */
export function inNetns(netnsPath: string, argv: readonly string[]): string[] {
  return ["nsenter", `--net=${netnsPath}`, ...argv];
}

export async function iptablesSave(table: Table, signal?: AbortSignal): Promise<SavedTable> {
  const { stdout } = await exec(["iptables-save", "-t", table], { signal });
  return parseIptablesSave(stdout);
}

/** One atomic transaction. `--noflush` keeps every chain the text does not declare. */
export async function iptablesRestore(
  text: string,
  options: { signal?: AbortSignal; netnsPath?: string; noflush: boolean },
): Promise<void> {
  const argv = ["iptables-restore", "-w", ...(options.noflush ? ["--noflush"] : [])];
  await exec(options.netnsPath ? inNetns(options.netnsPath, argv) : argv, {
    input: text,
    signal: options.signal,
  });
}

/**
 * Installs (or repairs) the host chains that keep sandboxes away from the host, each other and
 * cloud metadata. Idempotent: safe on every agent start, and it leaves live slots' rules alone.
 */
export async function ensureHostFirewall(deps: {
  log: Logger;
  signal?: AbortSignal;
}): Promise<void> {
  const { log, signal } = deps;
  // setup.sh sets it too, but it is not persisted and NAT is useless without it.
  if ((await readFile(IP_FORWARD, "utf8")).trim() !== "1") {
    await writeFile(IP_FORWARD, "1\n");
    log.info("enabled net.ipv4.ip_forward");
  }
  const [filter, nat] = await Promise.all([
    iptablesSave("filter", signal),
    iptablesSave("nat", signal),
  ]);
  await iptablesRestore(hostFilterRules(filter), { signal, noflush: true });
  await iptablesRestore(hostNatRules(nat), { signal, noflush: true });
  log.info("host firewall ready");
}

/** Removes every WRENN-* chain and the jumps to them (tests, uninstall). */
export async function removeHostFirewall(deps: {
  log: Logger;
  signal?: AbortSignal;
}): Promise<void> {
  for (const table of ["filter", "nat"] as const) {
    const text = removeAllRules(table, await iptablesSave(table, deps.signal));
    if (text) await iptablesRestore(text, { signal: deps.signal, noflush: true });
  }
  deps.log.info("host firewall removed");
}

/** Replaces one slot's policy chain in one transaction. */
export async function applySlotPolicy(
  index: number,
  policy: NetworkPolicy,
  options: { withDispatch: boolean; signal?: AbortSignal },
): Promise<void> {
  await iptablesRestore(slotPolicyRules(index, policy, options), {
    signal: options.signal,
    noflush: true,
  });
}

export interface SlotChainParts {
  hasChain: boolean;
  /** Saved `-A WRENN-DISPATCH …` lines jumping to the slot's chain. */
  dispatchRules: string[];
}

/** The slot chains and dispatch rules present in the host's filter table, by slot index. */
export async function listSlotChains(signal?: AbortSignal): Promise<Map<number, SlotChainParts>> {
  const saved = await iptablesSave("filter", signal);
  const found = new Map<number, SlotChainParts>();
  const entry = (index: number) => {
    let parts = found.get(index);
    if (!parts) {
      parts = { hasChain: false, dispatchRules: [] };
      found.set(index, parts);
    }
    return parts;
  };
  for (const chain of saved.chains) {
    const index = parseSlotIndex("chain", chain);
    if (index !== undefined) entry(index).hasChain = true;
  }
  for (const rule of saved.rules) {
    const { chain, target } = ruleParts(rule);
    const index = target === undefined ? undefined : parseSlotIndex("chain", target);
    if (chain === HOST_CHAINS.dispatch && index !== undefined)
      entry(index).dispatchRules.push(rule);
  }
  return found;
}

/** Removes one slot's chain and its dispatch rules; a no-op when none are left. */
export async function removeSlotChain(
  index: number,
  parts: SlotChainParts,
  signal?: AbortSignal,
): Promise<void> {
  const text = removeSlotRules(index, parts);
  if (text) await iptablesRestore(text, { signal, noflush: true });
}
