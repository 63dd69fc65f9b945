import { access, readdir, writeFile } from "node:fs/promises";
import { exec } from "../exec.js";
import {
  INNER_INTERFACE,
  NETNS_DIR,
  parseSlotIndex,
  SANDBOX_INNER_ADDRESS,
  SLOT_PREFIX_LENGTH,
  slotAddresses,
  slotNames,
} from "./addresses.js";
import { isErrno } from "./errno.js";
import { inNetns, iptablesRestore } from "./firewall.js";
import { innerNatRules } from "./rules.js";

const SYS_CLASS_NET = "/sys/class/net";

/** Whether a netns handle or host link of this slot exists right now. */
export async function slotNetnsParts(
  index: number,
): Promise<{ hasNetns: boolean; hasHostVeth: boolean }> {
  const { netnsPath, hostVeth } = slotNames(index);
  const [hasNetns, hasHostVeth] = await Promise.all([
    exists(netnsPath),
    exists(`${SYS_CLASS_NET}/${hostVeth}`),
  ]);
  return { hasNetns, hasHostVeth };
}

/**
 * Builds the slot's netns and veth pair, with IPv6 off on both ends and the inner NAT. After the
 * first `ip` batch the inner steps run side by side: nothing runs in the netns before the slot
 * is handed out, so their order does not matter, and the nft commit inside a new netns is the
 * slowest step. On failure, the caller removes whatever exists with `destroySlotNetns`.
 */
export async function createSlotNetns(index: number, signal?: AbortSignal): Promise<void> {
  const { netnsName, netnsPath, hostVeth } = slotNames(index);
  const { hostAddress, sandboxAddress } = slotAddresses(index);
  await ipBatch(
    [
      `netns add ${netnsName}`,
      `link add ${hostVeth} type veth peer name ${INNER_INTERFACE} netns ${netnsName}`,
      `addr add ${hostAddress}/${SLOT_PREFIX_LENGTH} dev ${hostVeth}`,
      `link set ${hostVeth} up`,
    ],
    { signal },
  );
  const configureInside = async () => {
    // Before eth0 comes up, so it never gets an IPv6 link-local address.
    await exec(
      inNetns(netnsPath, [
        "sysctl",
        "-q",
        "-w",
        "net.ipv6.conf.all.disable_ipv6=1",
        "net.ipv6.conf.default.disable_ipv6=1",
      ]),
      { signal },
    );
    await ipBatch(
      [
        `addr add ${SANDBOX_INNER_ADDRESS}/32 dev ${INNER_INTERFACE}`,
        `addr add ${sandboxAddress}/${SLOT_PREFIX_LENGTH} dev ${INNER_INTERFACE}`,
        "link set lo up",
        `link set ${INNER_INTERFACE} up`,
        // src: outbound traffic leaves from the inner address (SNATed to the slot address), so
        // sockets a checkpoint holds name no slot-specific address.
        `route add default via ${hostAddress} dev ${INNER_INTERFACE} src ${SANDBOX_INNER_ADDRESS}`,
      ],
      { signal, netnsName },
    );
  };
  // allSettled: the caller's cleanup must not race a step still running.
  const results = await Promise.allSettled([
    // The host's iptables rules are IPv4 only: no IPv6 on either end, so nothing bypasses them.
    writeFile(`/proc/sys/net/ipv6/conf/${hostVeth}/disable_ipv6`, "1\n"),
    configureInside(),
    iptablesRestore(innerNatRules(index), { netnsPath, signal, noflush: false }),
  ]);
  for (const result of results) if (result.status === "rejected") throw result.reason;
}

/**
 * Removes the veth pair and the netns handle, whichever exist. The veth goes first: a process
 * still inside keeps the netns alive after `netns del`, but without a link it reaches nothing.
 */
export async function destroySlotNetns(index: number, signal?: AbortSignal): Promise<void> {
  const { netnsName, hostVeth } = slotNames(index);
  const parts = await slotNetnsParts(index);
  const lines: string[] = [];
  if (parts.hasHostVeth) lines.push(`link del ${hostVeth}`);
  if (parts.hasNetns) lines.push(`netns del ${netnsName}`);
  if (lines.length > 0) await ipBatch(lines, { signal });
}

/** Slot indices that have a netns handle, and those that have a host veth. */
export async function listSlotNetns(): Promise<{ netns: Set<number>; hostVeths: Set<number> }> {
  const [netnsNames, links] = await Promise.all([listDir(NETNS_DIR), listDir(SYS_CLASS_NET)]);
  return {
    netns: indices(netnsNames, (name) => parseSlotIndex("netns", name)),
    hostVeths: indices(links, (name) => parseSlotIndex("hostVeth", name)),
  };
}

function indices(names: string[], parse: (name: string) => number | undefined): Set<number> {
  const out = new Set<number>();
  for (const name of names) {
    const index = parse(name);
    if (index !== undefined) out.add(index);
  }
  return out;
}

async function ipBatch(
  lines: readonly string[],
  options: { signal?: AbortSignal; netnsName?: string },
): Promise<void> {
  const argv = options.netnsName
    ? ["ip", "-n", options.netnsName, "-batch", "-"]
    : ["ip", "-batch", "-"];
  await exec(argv, { input: `${lines.join("\n")}\n`, signal: options.signal });
}

async function listDir(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    // /run/netns only exists once something made a named netns.
    if (isErrno(error, "ENOENT")) return [];
    throw error;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch (error) {
    if (isErrno(error, "ENOENT")) return false;
    throw error;
  }
}
