import { readFile } from "node:fs/promises";

/** Bytes seen by the sandbox since its slot was built: rx = received by the sandbox. */
export interface SlotCounters {
  rxBytes: number;
  txBytes: number;
}

/**
 * Reads the host-side veth's counters (no process, no netns switch) and swaps them: what the
 * host side receives, the sandbox sent. Counters cover the slot's life, not one sandbox's;
 * callers wanting per-sandbox figures subtract the reading taken at acquire.
 */
export async function readSlotCounters(slot: { hostVeth: string }): Promise<SlotCounters> {
  const dir = `/sys/class/net/${slot.hostVeth}/statistics`;
  const [hostRx, hostTx] = await Promise.all([
    readFile(`${dir}/rx_bytes`, "utf8"),
    readFile(`${dir}/tx_bytes`, "utf8"),
  ]);
  return { rxBytes: parseCounter(hostTx), txBytes: parseCounter(hostRx) };
}

function parseCounter(text: string): number {
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`unexpected interface counter: ${JSON.stringify(text)}`);
  }
  return value;
}
