/**
 * iptables rules as `iptables-restore` text. Pure, so every rule the agent installs can be read
 * and tested without root; `firewall.ts` feeds these to iptables-restore, one process per change,
 * applied atomically.
 */
import {
  HOST_VETH_PREFIX,
  INNER_INTERFACE,
  SANDBOX_INNER_ADDRESS,
  SLOT_RANGE_CIDR,
  slotAddresses,
  slotNames,
} from "./addresses.js";
import type { NetworkPolicy } from "./policy.js";

export const HOST_CHAINS = {
  input: "WRENN-INPUT",
  forward: "WRENN-FORWARD",
  /** One `-i wrn<N> -s <slot> -j WRENN-S<N>` rule per slot; kept apart so slots come and go without touching WRENN-FORWARD. */
  dispatch: "WRENN-DISPATCH",
  postrouting: "WRENN-POSTROUTING",
} as const;

const ALL_VETHS = `${HOST_VETH_PREFIX}+`;
/** Link-local: cloud metadata (169.254.169.254) and the sandboxes' own inner address. */
const LINK_LOCAL_CIDR = "169.254.0.0/16";
const RETURN_TRAFFIC = "-m conntrack --ctstate ESTABLISHED,RELATED";

/** The slot's policy before any sandbox owns it: nothing goes out. */
export const CLOSED_POLICY: NetworkPolicy = {
  internetAccess: false,
  allowCidrs: [],
  denyCidrs: [],
};

export type Table = "filter" | "nat";

/** What `iptables-save -t <table>` shows: chains and `-A` rule lines, verbatim. */
export interface SavedTable {
  chains: Set<string>;
  rules: string[];
}

export function parseIptablesSave(text: string): SavedTable {
  const chains = new Set<string>();
  const rules: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith(":")) {
      const name = line.slice(1).split(" ")[0];
      if (name) chains.add(name);
    } else if (line.startsWith("-A ")) {
      rules.push(line);
    }
  }
  return { chains, rules };
}

/** The chain an `-A <chain> …` line belongs to and its `-j` target. */
export function ruleParts(rule: string): { chain: string; target: string | undefined } {
  const words = rule.split(/\s+/);
  const jump = words.indexOf("-j");
  return { chain: words[1] ?? "", target: jump >= 0 ? words[jump + 1] : undefined };
}

function hasJump(saved: SavedTable, fromChain: string, toChain: string): boolean {
  return saved.rules.some((rule) => {
    const parts = ruleParts(rule);
    return parts.chain === fromChain && parts.target === toChain;
  });
}

function restoreText(table: Table, lines: readonly string[]): string {
  return `*${table}\n${lines.join("\n")}\nCOMMIT\n`;
}

/**
 * The host's filter-table rules for `iptables-restore --noflush`. Declaring a chain flushes it,
 * so re-running this replaces WRENN-INPUT and WRENN-FORWARD atomically; WRENN-DISPATCH is only
 * created when missing, since it holds the live slots' rules. Jumps are inserted first in the
 * built-in chains, ahead of any host rule that would accept the traffic.
 */
export function hostFilterRules(saved: SavedTable): string {
  const { input, forward, dispatch } = HOST_CHAINS;
  const lines = [`:${input} - [0:0]`, `:${forward} - [0:0]`];
  if (!saved.chains.has(dispatch)) lines.push(`:${dispatch} - [0:0]`);
  lines.push(
    // Sandboxes reach no host service (0.0.0.0 listeners included); replies to the host's own
    // connections into a sandbox still come back.
    `-A ${input} ${RETURN_TRAFFIC} -j ACCEPT`,
    `-A ${input} -j DROP`,
    // Toward sandboxes only replies: the host's own connections go through OUTPUT, never here,
    // so a new forwarded connection into a slot can only come from another sandbox or outside.
    `-A ${forward} -o ${ALL_VETHS} ${RETURN_TRAFFIC} -j ACCEPT`,
    `-A ${forward} -o ${ALL_VETHS} -j DROP`,
    `-A ${forward} -i ${ALL_VETHS} ${RETURN_TRAFFIC} -j ACCEPT`,
    // Before the per-slot policy, so no allow list can open other sandboxes or cloud metadata.
    `-A ${forward} -i ${ALL_VETHS} -d ${SLOT_RANGE_CIDR} -j DROP`,
    `-A ${forward} -i ${ALL_VETHS} -d ${LINK_LOCAL_CIDR} -j DROP`,
    `-A ${forward} -i ${ALL_VETHS} -j ${dispatch}`,
    // A veth without a slot chain, or a spoofed source, gets nothing.
    `-A ${forward} -i ${ALL_VETHS} -j DROP`,
  );
  if (!hasJump(saved, "INPUT", input)) lines.push(`-I INPUT 1 -i ${ALL_VETHS} -j ${input}`);
  if (!hasJump(saved, "FORWARD", forward)) lines.push(`-I FORWARD 1 -j ${forward}`);
  return restoreText("filter", lines);
}

/**
 * Outbound NAT for the slot range, except traffic between the host and its own slots. The `lo`
 * exception: the host's own connections to a host-side veth address carry that address as
 * source and leave through lo; masquerading them would rewrite purely local traffic.
 */
export function hostNatRules(saved: SavedTable): string {
  const { postrouting } = HOST_CHAINS;
  const lines = [
    `:${postrouting} - [0:0]`,
    `-A ${postrouting} -o lo -j RETURN`,
    `-A ${postrouting} -s ${SLOT_RANGE_CIDR} ! -o ${ALL_VETHS} -j MASQUERADE`,
  ];
  if (!hasJump(saved, "POSTROUTING", postrouting)) {
    lines.push(`-I POSTROUTING 1 -j ${postrouting}`);
  }
  return restoreText("nat", lines);
}

/**
 * Everything Wrenn added to one table: the jumps from built-in chains are deleted by their own
 * saved spec, then every WRENN-* chain (slot chains included) is flushed and removed. Undefined
 * when the table holds nothing of ours.
 */
export function removeAllRules(table: Table, saved: SavedTable): string | undefined {
  const ours = [...saved.chains].filter((chain) => chain.startsWith("WRENN-"));
  const jumps = saved.rules.filter((rule) => {
    const { chain, target } = ruleParts(rule);
    return !chain.startsWith("WRENN-") && target?.startsWith("WRENN-") === true;
  });
  if (ours.length === 0 && jumps.length === 0) return undefined;
  return restoreText(table, [
    ...jumps.map((rule) => `-D${rule.slice(2)}`),
    ...ours.map((chain) => `-F ${chain}`),
    ...ours.map((chain) => `-X ${chain}`),
  ]);
}

/** The dispatch rule sending one slot's new outbound connections to its policy chain. */
export function dispatchRule(index: number): string {
  const { hostVeth, chain } = slotNames(index);
  const { sandboxAddress } = slotAddresses(index);
  return `-A ${HOST_CHAINS.dispatch} -s ${sandboxAddress}/32 -i ${hostVeth} -j ${chain}`;
}

/**
 * Replaces one slot's policy chain atomically: allow entries, then deny entries, then the
 * default. With `withDispatch` the chain is new and its dispatch rule is added in the same
 * transaction, so the slot is never reachable through a half-built chain.
 */
export function slotPolicyRules(
  index: number,
  policy: NetworkPolicy,
  options: { withDispatch: boolean },
): string {
  const { chain } = slotNames(index);
  const lines = [
    `:${chain} - [0:0]`,
    ...policy.allowCidrs.map((cidr) => `-A ${chain} -d ${cidr} -j ACCEPT`),
    ...policy.denyCidrs.map((cidr) => `-A ${chain} -d ${cidr} -j DROP`),
    `-A ${chain} -j ${policy.internetAccess ? "ACCEPT" : "DROP"}`,
  ];
  if (options.withDispatch) lines.push(dispatchRule(index));
  return restoreText("filter", lines);
}

/**
 * Removes one slot's chain. `dispatchRules` are the saved lines that jump to it (normally the
 * one `dispatchRule(index)`); they are deleted by their own spec so a leftover from an older
 * agent with another spec is removed too.
 */
export function removeSlotRules(
  index: number,
  parts: { hasChain: boolean; dispatchRules: readonly string[] },
): string | undefined {
  const { chain } = slotNames(index);
  const lines = parts.dispatchRules.map((rule) => `-D${rule.slice(2)}`);
  if (parts.hasChain) lines.push(`-F ${chain}`, `-X ${chain}`);
  return lines.length === 0 ? undefined : restoreText("filter", lines);
}

/**
 * The nat table inside a slot's netns (a full restore: the netns is new). DNAT makes whatever
 * listens on the inner address (envd's port forwarder binds there) reachable through the slot
 * address; SNAT gives the host a distinct source per slot.
 */
export function innerNatRules(index: number): string {
  const { sandboxAddress } = slotAddresses(index);
  return restoreText("nat", [
    ":PREROUTING ACCEPT [0:0]",
    ":INPUT ACCEPT [0:0]",
    ":OUTPUT ACCEPT [0:0]",
    ":POSTROUTING ACCEPT [0:0]",
    `-A PREROUTING -d ${sandboxAddress}/32 -j DNAT --to-destination ${SANDBOX_INNER_ADDRESS}`,
    `-A POSTROUTING -s ${SANDBOX_INNER_ADDRESS}/32 -o ${INNER_INTERFACE} -j SNAT --to-source ${sandboxAddress}`,
  ]);
}
