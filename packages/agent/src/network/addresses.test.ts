import { describe, expect, it } from "vitest";
import { MAX_SLOTS, parseSlotIndex, slotAddresses, slotNames } from "./addresses.js";

describe("slotAddresses", () => {
  it("gives each slot its own /30 inside 10.11.0.0/16", () => {
    expect(slotAddresses(0)).toEqual({
      hostAddress: "10.11.0.1",
      sandboxAddress: "10.11.0.2",
      subnet: "10.11.0.0/30",
    });
    expect(slotAddresses(1)).toEqual({
      hostAddress: "10.11.0.5",
      sandboxAddress: "10.11.0.6",
      subnet: "10.11.0.4/30",
    });
    expect(slotAddresses(64).subnet).toBe("10.11.1.0/30");
    expect(slotAddresses(MAX_SLOTS - 1)).toEqual({
      hostAddress: "10.11.255.253",
      sandboxAddress: "10.11.255.254",
      subnet: "10.11.255.252/30",
    });
  });

  it("never gives two slots the same subnet", () => {
    const subnets = new Set<string>();
    for (let index = 0; index < MAX_SLOTS; index++) subnets.add(slotAddresses(index).subnet);
    expect(subnets.size).toBe(MAX_SLOTS);
  });

  it("refuses indices outside the range", () => {
    for (const bad of [-1, MAX_SLOTS, 1.5, Number.NaN]) {
      expect(() => slotAddresses(bad)).toThrow(/out of range/);
    }
  });
});

describe("slot names", () => {
  it("names the netns, veth and chain after the index", () => {
    expect(slotNames(42)).toEqual({
      index: 42,
      netnsName: "wrenn-s42",
      netnsPath: "/run/netns/wrenn-s42",
      hostVeth: "wrn42",
      chain: "WRENN-S42",
    });
    // Linux interface names hold at most 15 characters.
    expect(slotNames(MAX_SLOTS - 1).hostVeth.length).toBeLessThanOrEqual(15);
  });

  it("parses back only names this module makes", () => {
    expect(parseSlotIndex("netns", "wrenn-s0")).toBe(0);
    expect(parseSlotIndex("netns", "wrenn-s16383")).toBe(16383);
    expect(parseSlotIndex("hostVeth", "wrn7")).toBe(7);
    expect(parseSlotIndex("chain", "WRENN-S12")).toBe(12);
    for (const name of ["wrenn-cr-test", "wrenn-s", "wrenn-s01", "wrenn-s16384", "wrenn-s1x"]) {
      expect(parseSlotIndex("netns", name)).toBeUndefined();
    }
    expect(parseSlotIndex("hostVeth", "wrnproto")).toBeUndefined();
    expect(parseSlotIndex("chain", "WRENN-INPUT")).toBeUndefined();
    expect(parseSlotIndex("chain", "WRENN-S1 ")).toBeUndefined();
  });
});
