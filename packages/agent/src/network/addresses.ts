/**
 * Names and addresses of network slots. Pure: no I/O, so the rest of the module and its tests
 * agree on one naming scheme.
 */

/** Every sandbox sees this address on its eth0, so a checkpoint restores into any slot. */
export const SANDBOX_INNER_ADDRESS = "169.254.0.21";

/** Slot subnets are carved from this range: one /30 (4 addresses) per slot. */
export const SLOT_RANGE_CIDR = "10.11.0.0/16";
export const SLOT_PREFIX_LENGTH = 30;
const SLOT_RANGE_BASE = ipv4ToInt(10, 11, 0, 0);
const ADDRESSES_PER_SLOT = 4;

/** 65536 addresses in the /16, 4 per slot. */
export const MAX_SLOTS = 16_384;

/** iproute2's compiled-in NETNS_RUN_DIR (`ip netns add` always puts the handle there). */
export const NETNS_DIR = "/run/netns";

/** Interface name prefix of every host-side veth; iptables matches them all with `wrn+`. */
export const HOST_VETH_PREFIX = "wrn";
export const NETNS_PREFIX = "wrenn-s";
export const SLOT_CHAIN_PREFIX = "WRENN-S";
/** The interface inside the netns. */
export const INNER_INTERFACE = "eth0";

export interface SlotNames {
  index: number;
  netnsName: string;
  netnsPath: string;
  hostVeth: string;
  /** The per-slot policy chain in the host's filter table. */
  chain: string;
}

export interface SlotAddresses {
  /** Host side of the veth (the sandbox's gateway). */
  hostAddress: string;
  /** The slot address on the sandbox's eth0: how the host reaches this sandbox. */
  sandboxAddress: string;
  /** The slot's /30, e.g. `10.11.0.4/30`. */
  subnet: string;
}

export function assertSlotIndex(index: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_SLOTS) {
    throw new Error(`network slot index out of range [0, ${MAX_SLOTS}): ${index}`);
  }
}

export function slotNames(index: number): SlotNames {
  assertSlotIndex(index);
  const netnsName = `${NETNS_PREFIX}${index}`;
  return {
    index,
    netnsName,
    netnsPath: `${NETNS_DIR}/${netnsName}`,
    hostVeth: `${HOST_VETH_PREFIX}${index}`,
    chain: `${SLOT_CHAIN_PREFIX}${index}`,
  };
}

export function slotAddresses(index: number): SlotAddresses {
  assertSlotIndex(index);
  const base = SLOT_RANGE_BASE + index * ADDRESSES_PER_SLOT;
  return {
    hostAddress: intToIpv4(base + 1),
    sandboxAddress: intToIpv4(base + 2),
    subnet: `${intToIpv4(base)}/${SLOT_PREFIX_LENGTH}`,
  };
}

const NAME_PATTERNS = {
  netns: new RegExp(`^${NETNS_PREFIX}(0|[1-9][0-9]{0,4})$`),
  hostVeth: new RegExp(`^${HOST_VETH_PREFIX}(0|[1-9][0-9]{0,4})$`),
  chain: new RegExp(`^${SLOT_CHAIN_PREFIX}(0|[1-9][0-9]{0,4})$`),
} as const;

/**
 * The slot index a netns, veth or chain name belongs to, or undefined when the name is not one
 * this module makes (so discovery never touches `wrenn-cr-test`, `wrnfoo` or `WRENN-INPUT`).
 */
export function parseSlotIndex(kind: keyof typeof NAME_PATTERNS, name: string): number | undefined {
  const digits = NAME_PATTERNS[kind].exec(name)?.[1];
  if (digits === undefined) return undefined;
  const index = Number(digits);
  return index < MAX_SLOTS ? index : undefined;
}

export function ipv4ToInt(a: number, b: number, c: number, d: number): number {
  // Multiplication, not shifts: JS shifts are signed 32-bit.
  return ((a * 256 + b) * 256 + c) * 256 + d;
}

export function intToIpv4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}
