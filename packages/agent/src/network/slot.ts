import type { Logger } from "pino";
import { SANDBOX_INNER_ADDRESS, slotAddresses, slotNames } from "./addresses.js";
import {
  applySlotPolicy,
  listSlotChains,
  removeSlotChain,
  type SlotChainParts,
} from "./firewall.js";
import { createSlotNetns, destroySlotNetns, listSlotNetns } from "./netns.js";
import type { NetworkPolicy } from "./policy.js";
import { dispatchRule } from "./rules.js";

export { SANDBOX_INNER_ADDRESS };

/** One prepared network slot: what runc's config (netns path) and the proxy (address) need. */
export interface Slot {
  readonly index: number;
  readonly netnsName: string;
  /** For runc's config.json: `{ "type": "network", "path": netnsPath }`. */
  readonly netnsPath: string;
  readonly hostVeth: string;
  /** Host end of the veth, the sandbox's gateway. */
  readonly hostAddress: string;
  /** How the host reaches the sandbox: DNATed to SANDBOX_INNER_ADDRESS inside. */
  readonly sandboxAddress: string;
}

/** What a previous agent run left of one slot. */
export interface LeftoverSlot extends Slot {
  readonly hasNetns: boolean;
  readonly hasHostVeth: boolean;
  readonly chain: SlotChainParts;
}

export function toSlot(index: number): Slot {
  const { netnsName, netnsPath, hostVeth } = slotNames(index);
  const { hostAddress, sandboxAddress } = slotAddresses(index);
  return Object.freeze({ index, netnsName, netnsPath, hostVeth, hostAddress, sandboxAddress });
}

/**
 * Builds slot `index`: netns, veth, inner NAT, and the host chain with `policy` (CLOSED_POLICY
 * for a slot kept free) and its dispatch rule. Succeeds or leaves nothing (a failed cleanup is
 * logged, the build error is thrown).
 */
export async function prepareSlot(
  index: number,
  deps: { log: Logger; policy: NetworkPolicy; signal?: AbortSignal },
): Promise<Slot> {
  const results = await Promise.allSettled([
    createSlotNetns(index, deps.signal),
    applySlotPolicy(index, deps.policy, { withDispatch: true, signal: deps.signal }),
  ]);
  const failure = results.find((result) => result.status === "rejected");
  if (failure) {
    const [netns, chain] = results;
    // teardownSlot has its own time bound: it runs even when the build was aborted.
    await teardownSlot(index, {
      chain: chain?.status === "fulfilled" ? ownChainParts(index) : undefined,
    }).catch((error: unknown) =>
      deps.log.warn({ err: error, index, netnsBuilt: netns?.status }, "slot cleanup failed"),
    );
    throw failure.reason;
  }
  return toSlot(index);
}

/** The chain parts of a slot this process built: the chain and its one dispatch rule. */
export function ownChainParts(index: number): SlotChainParts {
  return { hasChain: true, dispatchRules: [dispatchRule(index)] };
}

const CLEANUP_TIMEOUT_MS = 10_000;

/**
 * Removes a slot's netns, veth pair and host chain. With `chain` undefined the chain parts are
 * read from iptables-save; with known parts a mismatch (someone removed a rule) falls back to
 * reading them. Cleanup is not abortable by callers, only bounded in time.
 */
export async function teardownSlot(
  index: number,
  options: { chain: SlotChainParts | undefined },
): Promise<void> {
  const signal = AbortSignal.timeout(CLEANUP_TIMEOUT_MS);
  const results = await Promise.allSettled([
    removeChain(index, options.chain, signal),
    destroySlotNetns(index, signal),
  ]);
  const errors = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
  if (errors.length > 0) throw new AggregateError(errors, `tearing down network slot ${index}`);
}

async function removeChain(
  index: number,
  known: SlotChainParts | undefined,
  signal: AbortSignal,
): Promise<void> {
  if (known) {
    try {
      await removeSlotChain(index, known, signal);
      return;
    } catch (error) {
      if (signal.aborted) throw error;
      // Fall through: re-read what really exists and remove exactly that.
    }
  }
  const found = (await listSlotChains(signal)).get(index);
  if (found) await removeSlotChain(index, found, signal);
}

/** Every slot a previous agent run left: netns handles, host veths and WRENN-S<N> chains. */
export async function discoverLeftovers(signal?: AbortSignal): Promise<LeftoverSlot[]> {
  const [{ netns, hostVeths }, chains] = await Promise.all([
    listSlotNetns(),
    listSlotChains(signal),
  ]);
  const indices = new Set([...netns, ...hostVeths, ...chains.keys()]);
  return [...indices]
    .sort((a, b) => a - b)
    .map((index) => ({
      ...toSlot(index),
      hasNetns: netns.has(index),
      hasHostVeth: hostVeths.has(index),
      chain: chains.get(index) ?? { hasChain: false, dispatchRules: [] },
    }));
}
