import { ExhaustedError, NotFoundError, UnavailableError, WrennError } from "@wrenn/shared";
import type { Logger } from "pino";
import { MAX_SLOTS } from "./addresses.js";
import { type Conntrack, probeConntrack } from "./conntrack.js";
import { applySlotPolicy, ensureHostFirewall, type SlotChainParts } from "./firewall.js";
import { type NetworkPolicy, normalizePolicy } from "./policy.js";
import { CLOSED_POLICY } from "./rules.js";
import {
  discoverLeftovers,
  type LeftoverSlot,
  ownChainParts,
  prepareSlot,
  type Slot,
  teardownSlot,
} from "./slot.js";

export interface SlotPoolOptions {
  log: Logger;
  /** Prepared slots kept ready so `acquire` only swaps a policy chain. */
  minFree: number;
  /** Upper bound on slots of every kind (free, in use, leftovers, being built). */
  maxSlots: number;
}

export interface SlotPoolStats {
  free: number;
  inUse: number;
  leftovers: number;
  /** Being built, reconfigured or torn down. */
  busy: number;
}

/**
 * The policy free slots wait with: the default one (internet on, no lists), so most creates
 * take a slot without an iptables run (~15 ms). It is safe to leave open: a free slot's netns
 * has no process in it.
 */
const FREE_POLICY: NetworkPolicy = { internetAccess: true, allowCidrs: [], denyCidrs: [] };

function isFreePolicy(policy: NetworkPolicy): boolean {
  return (
    policy.internetAccess === FREE_POLICY.internetAccess &&
    policy.allowCidrs.length === 0 &&
    policy.denyCidrs.length === 0
  );
}

/** How long acquires must pause before the pool refills (see #scheduleRefillSoon). */
const REFILL_DELAY_MS = 250;

/** Leftovers are torn down this many at a time: each is a few processes. */
const REAP_CONCURRENCY = 8;

export function createSlotPool(options: SlotPoolOptions): SlotPool {
  const { minFree, maxSlots } = options;
  if (!Number.isInteger(maxSlots) || maxSlots < 1 || maxSlots > MAX_SLOTS) {
    throw new Error(`maxSlots must be an integer in [1, ${MAX_SLOTS}]: ${maxSlots}`);
  }
  if (!Number.isInteger(minFree) || minFree < 0 || minFree > maxSlots) {
    throw new Error(`minFree must be an integer in [0, maxSlots]: ${minFree}`);
  }
  return new SlotPool(options);
}

/**
 * The agent's network slots. Invariants: every index in `#taken` is in exactly one of free,
 * in use, leftovers, or busy (reserved while a step runs), and `#taken.size <= maxSlots`;
 * every free slot has FREE_POLICY. A background refill keeps `minFree` slots ready.
 * Slots in use outlive the pool: `shutdown` leaves them for the next agent run to `adopt`.
 */
export class SlotPool {
  readonly #log: Logger;
  readonly #minFree: number;
  readonly #maxSlots: number;
  readonly #taken = new Set<number>();
  readonly #free: Slot[] = [];
  readonly #inUse = new Map<number, Slot>();
  /** The policy each slot's chain has now, so an unchanged one is not applied again. */
  readonly #applied = new Map<number, NetworkPolicy>();
  readonly #leftovers = new Map<number, LeftoverSlot>();
  readonly #refillAbort = new AbortController();
  #refilling: Promise<void> | undefined;
  #refillTimer: NodeJS.Timeout | undefined;
  #conntrack: Conntrack | undefined;
  #state: "new" | "ready" | "closed" = "new";

  constructor(options: SlotPoolOptions) {
    this.#log = options.log;
    this.#minFree = options.minFree;
    this.#maxSlots = options.maxSlots;
  }

  /**
   * Installs the host firewall and returns the slots a previous run left. Each must then be
   * `adopt`ed (its sandbox survived) or go with `reapUnadopted`; until then its index is taken.
   */
  async init(signal?: AbortSignal): Promise<LeftoverSlot[]> {
    if (this.#state !== "new") throw new Error("slot pool already initialised");
    await ensureHostFirewall({ log: this.#log, signal });
    this.#conntrack = await probeConntrack({ log: this.#log, signal });
    const leftovers = await discoverLeftovers(signal);
    for (const leftover of leftovers) {
      this.#leftovers.set(leftover.index, leftover);
      this.#taken.add(leftover.index);
    }
    this.#state = "ready";
    this.#log.info({ leftovers: leftovers.length }, "network slot pool ready");
    this.#scheduleRefill();
    return leftovers;
  }

  /** Takes a leftover slot whose sandbox survived an agent restart, with the sandbox's policy. */
  async adopt(index: number, policy: NetworkPolicy, signal?: AbortSignal): Promise<Slot> {
    const normalized = normalizePolicy(policy);
    this.#assertReady("adopt");
    const leftover = this.#leftovers.get(index);
    if (!leftover) throw new NotFoundError("network slot", String(index));
    if (!leftover.hasNetns || !leftover.hasHostVeth) {
      throw new WrennError(
        "invalid_state",
        `network slot ${index} is incomplete (netns: ${leftover.hasNetns}, veth: ${leftover.hasHostVeth})`,
      );
    }
    this.#leftovers.delete(index);
    try {
      await applySlotPolicy(index, normalized, {
        withDispatch: leftover.chain.dispatchRules.length === 0,
        signal,
      });
    } catch (error) {
      this.#leftovers.set(index, leftover);
      throw error;
    }
    this.#applied.set(index, normalized);
    const slot = toPlainSlot(leftover);
    this.#inUse.set(index, slot);
    this.#log.info({ index }, "network slot adopted");
    return slot;
  }

  /** Destroys every leftover not adopted (crash cleanup). Returns the indices removed. */
  async reapUnadopted(): Promise<number[]> {
    this.#assertReady("reap");
    const reaped: number[] = [];
    const pending = [...this.#leftovers.values()];
    for (let i = 0; i < pending.length; i += REAP_CONCURRENCY) {
      const batch = pending.slice(i, i + REAP_CONCURRENCY);
      await Promise.all(
        batch.map(async (leftover) => {
          if (await this.#teardownLeftover(leftover)) reaped.push(leftover.index);
        }),
      );
    }
    if (reaped.length > 0) {
      this.#log.info({ count: reaped.length }, "leftover network slots reaped");
    }
    return reaped.sort((a, b) => a - b);
  }

  /** A prepared slot with `policy` applied; builds one when none is free. */
  async acquire(policy: NetworkPolicy, signal?: AbortSignal): Promise<Slot> {
    const normalized = normalizePolicy(policy);
    this.#assertReady("acquire");
    let slot = this.#free.pop();
    try {
      if (slot) {
        const current = this.#applied.get(slot.index) ?? CLOSED_POLICY;
        if (!(isFreePolicy(current) && isFreePolicy(normalized))) {
          await applySlotPolicy(slot.index, normalized, { withDispatch: false, signal });
        }
      } else {
        slot = await this.#build(normalized, signal);
      }
    } catch (error) {
      // The free slot's chain may or may not have been replaced: a slot in doubt is not reused.
      if (slot) await this.#teardown(slot, ownChainParts(slot.index));
      throw error;
    } finally {
      this.#scheduleRefillSoon();
    }
    this.#applied.set(slot.index, normalized);
    this.#inUse.set(slot.index, slot);
    return slot;
  }

  /**
   * Resets the slot's policy to FREE_POLICY, forgets its connections and keeps it for the next
   * sandbox, or destroys it when enough are free. The caller has stopped the sandbox that used it.
   */
  async release(slot: Slot, signal?: AbortSignal): Promise<void> {
    this.#takeInUse(slot, "release");
    try {
      await Promise.all([
        isFreePolicy(this.#applied.get(slot.index) ?? CLOSED_POLICY)
          ? undefined
          : applySlotPolicy(slot.index, FREE_POLICY, { withDispatch: false, signal }),
        this.#conntrack?.flushSlot(slot, signal),
      ]);
      this.#applied.set(slot.index, FREE_POLICY);
    } catch (error) {
      await this.#teardown(slot, ownChainParts(slot.index));
      throw error;
    }
    if (this.#state !== "ready" || this.#free.length >= this.#minFree * 2) {
      await this.#teardown(slot, ownChainParts(slot.index));
    } else {
      this.#free.push(slot);
    }
  }

  /** Destroys a slot that is free or in use (its sandbox is gone). */
  async destroy(slot: Slot): Promise<void> {
    const freeAt = this.#free.findIndex((candidate) => candidate.index === slot.index);
    if (freeAt >= 0) this.#free.splice(freeAt, 1);
    else this.#takeInUse(slot, "destroy");
    if (!(await this.#teardown(slot, ownChainParts(slot.index)))) {
      throw new Error(`network slot ${slot.index} could not be fully destroyed; kept as leftover`);
    }
  }

  /** Stops refilling and waits for it. Slots stay: running sandboxes survive an agent restart. */
  async shutdown(): Promise<void> {
    this.#state = "closed";
    clearTimeout(this.#refillTimer);
    this.#refillAbort.abort(new UnavailableError("network slot pool is shutting down"));
    while (this.#refilling) await this.#refilling;
  }

  /** Shuts down and destroys every slot, in use or not, and every leftover (tests, uninstall). */
  async destroyAll(): Promise<void> {
    await this.shutdown();
    const targets = [
      ...[...this.#free.splice(0), ...this.#inUse.values()].map((slot) => ({
        slot,
        chain: ownChainParts(slot.index),
      })),
      ...[...this.#leftovers.values()].map((leftover) => ({
        slot: toPlainSlot(leftover),
        chain: leftover.chain,
      })),
    ];
    this.#inUse.clear();
    this.#leftovers.clear();
    const failed: number[] = [];
    for (let i = 0; i < targets.length; i += REAP_CONCURRENCY) {
      await Promise.all(
        targets.slice(i, i + REAP_CONCURRENCY).map(async ({ slot, chain }) => {
          if (!(await this.#teardown(slot, chain))) failed.push(slot.index);
        }),
      );
    }
    if (failed.length > 0) throw new Error(`network slots not destroyed: ${failed.join(", ")}`);
  }

  stats(): SlotPoolStats {
    const free = this.#free.length;
    const inUse = this.#inUse.size;
    const leftovers = this.#leftovers.size;
    return { free, inUse, leftovers, busy: this.#taken.size - free - inUse - leftovers };
  }

  #assertReady(action: string): void {
    if (this.#state === "new") throw new Error(`slot pool: ${action} before init`);
    if (this.#state === "closed") {
      throw new UnavailableError(`network slot pool is shut down: cannot ${action}`);
    }
  }

  #takeInUse(slot: Slot, action: string): void {
    if (this.#inUse.get(slot.index) !== slot) {
      throw new Error(`slot pool: ${action} of network slot ${slot.index}, which is not in use`);
    }
    this.#inUse.delete(slot.index);
  }

  #reserveIndex(): number {
    if (this.#taken.size >= this.#maxSlots) {
      throw new ExhaustedError(`all ${this.#maxSlots} network slots are taken`);
    }
    for (let index = 0; index < MAX_SLOTS; index++) {
      if (!this.#taken.has(index)) {
        this.#taken.add(index);
        return index;
      }
    }
    throw new ExhaustedError(`all ${MAX_SLOTS} network slot indices are taken`);
  }

  /** Builds a slot on a fresh index; on failure the index is free again and nothing is left. */
  async #build(policy: NetworkPolicy, signal?: AbortSignal): Promise<Slot> {
    const index = this.#reserveIndex();
    const startedAt = performance.now();
    try {
      const slot = await prepareSlot(index, { log: this.#log, policy, signal });
      this.#applied.set(index, policy);
      this.#log.debug(
        { index, durationMs: Math.round(performance.now() - startedAt) },
        "network slot prepared",
      );
      return slot;
    } catch (error) {
      this.#taken.delete(index);
      throw error;
    }
  }

  /**
   * Removes a slot's resources (already out of free/in use; its index still taken). Returns
   * false when that failed: the slot is then kept as a leftover, so `destroyAll` retries it and
   * its index is not reused over half-removed resources.
   */
  async #teardown(slot: Slot, chain: SlotChainParts | undefined): Promise<boolean> {
    try {
      await this.#conntrack?.flushHost(slot.sandboxAddress, AbortSignal.timeout(5_000));
    } catch (error) {
      this.#log.warn({ err: error, index: slot.index }, "conntrack flush failed; entries time out");
    }
    try {
      await teardownSlot(slot.index, { chain });
      this.#taken.delete(slot.index);
      this.#applied.delete(slot.index);
      return true;
    } catch (error) {
      this.#log.warn({ err: error, index: slot.index }, "network slot teardown failed");
      this.#leftovers.set(slot.index, {
        ...slot,
        hasNetns: true,
        hasHostVeth: true,
        chain: { hasChain: true, dispatchRules: [] },
      });
      return false;
    }
  }

  async #teardownLeftover(leftover: LeftoverSlot): Promise<boolean> {
    this.#leftovers.delete(leftover.index);
    return this.#teardown(toPlainSlot(leftover), leftover.chain);
  }

  /**
   * A burst of creates takes slot after slot: building new ones between them would compete with
   * the next create for the CPU, so the refill starts once acquires pause for a moment.
   */
  #scheduleRefillSoon(): void {
    clearTimeout(this.#refillTimer);
    this.#refillTimer = setTimeout(() => {
      this.#refillTimer = undefined;
      this.#scheduleRefill();
    }, REFILL_DELAY_MS);
  }

  #scheduleRefill(): void {
    if (this.#state !== "ready" || this.#refilling) return;
    if (this.#free.length >= this.#minFree || this.#taken.size >= this.#maxSlots) return;
    const signal = this.#refillAbort.signal;
    this.#refilling = this.#refill(signal).then(
      () => {
        this.#refilling = undefined;
        // Slots may have been acquired while the last one was being built.
        this.#scheduleRefill();
      },
      (error: unknown) => {
        this.#refilling = undefined;
        if (signal.aborted) this.#log.debug({ err: error }, "network slot refill stopped");
        else this.#log.error({ err: error }, "network slot refill failed");
      },
    );
  }

  async #refill(signal: AbortSignal): Promise<void> {
    while (
      this.#state === "ready" &&
      this.#free.length < this.#minFree &&
      this.#taken.size < this.#maxSlots
    ) {
      this.#free.push(await this.#build(FREE_POLICY, signal));
    }
  }
}

function toPlainSlot(slot: Slot): Slot {
  const { index, netnsName, netnsPath, hostVeth, hostAddress, sandboxAddress } = slot;
  return Object.freeze({ index, netnsName, netnsPath, hostVeth, hostAddress, sandboxAddress });
}
