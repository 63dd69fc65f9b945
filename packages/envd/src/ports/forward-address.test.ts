import type { NetworkInterfaceInfo } from "node:os";
import { describe, expect, it } from "vitest";
import { pickForwardAddress } from "./forward-address.js";

function info(address: string, family: "IPv4" | "IPv6", internal: boolean): NetworkInterfaceInfo {
  const base = { address, netmask: "", mac: "00:00:00:00:00:00", internal, cidr: null };
  return family === "IPv4" ? { ...base, family } : { ...base, family, scopeid: 0 };
}

describe("pickForwardAddress", () => {
  it("uses the configured address as is", () => {
    expect(pickForwardAddress("10.0.0.9", { eth0: [info("10.0.0.2", "IPv4", false)] })).toBe(
      "10.0.0.9",
    );
  });

  it("picks the first non-internal IPv4 address", () => {
    const interfaces = {
      lo: [info("127.0.0.1", "IPv4", true), info("::1", "IPv6", true)],
      eth0: [info("fe80::1", "IPv6", false), info("169.254.0.21", "IPv4", false)],
      eth1: [info("10.0.0.2", "IPv4", false)],
    };
    expect(pickForwardAddress(undefined, interfaces)).toBe("169.254.0.21");
  });

  it("has none when only loopback and IPv6 exist", () => {
    const interfaces = {
      lo: [info("127.0.0.1", "IPv4", true)],
      eth0: [info("fe80::1", "IPv6", false)],
    };
    expect(pickForwardAddress(undefined, interfaces)).toBeUndefined();
    expect(pickForwardAddress(undefined, {})).toBeUndefined();
  });
});
