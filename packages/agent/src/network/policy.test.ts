import { InvalidArgumentError } from "@wrenn/shared";
import { describe, expect, it } from "vitest";
import { MAX_POLICY_CIDRS, normalizeCidr, normalizePolicy, parseIpv4 } from "./policy.js";

describe("normalizeCidr", () => {
  it("accepts addresses and CIDRs and returns the network form", () => {
    expect(normalizeCidr("1.2.3.4")).toBe("1.2.3.4/32");
    expect(normalizeCidr("10.0.0.0/8")).toBe("10.0.0.0/8");
    expect(normalizeCidr("10.1.2.3/8")).toBe("10.0.0.0/8");
    expect(normalizeCidr("0.0.0.0/0")).toBe("0.0.0.0/0");
    expect(normalizeCidr("255.255.255.255/31")).toBe("255.255.255.254/31");
    expect(normalizeCidr(" 192.168.1.0/24 ")).toBe("192.168.1.0/24");
  });

  it.each([
    "",
    "1.2.3",
    "1.2.3.4.5",
    "256.0.0.1",
    "01.2.3.4",
    "1.2.3.4/33",
    "1.2.3.4/",
    "1.2.3.4/08",
    "1.2.3.4/8/8",
    "::1",
    "fe80::/10",
    "example.com",
    "1.2.3.4 -j ACCEPT",
    "1.2.3.4\n-A INPUT -j ACCEPT",
    "-1.2.3.4",
  ])("refuses %j", (text) => {
    expect(() => normalizeCidr(text)).toThrow(InvalidArgumentError);
  });

  it("parses dotted quads exactly", () => {
    expect(parseIpv4("0.0.0.0")).toBe(0);
    expect(parseIpv4("255.255.255.255")).toBe(2 ** 32 - 1);
    expect(parseIpv4("1.2.3.04")).toBeUndefined();
  });
});

describe("normalizePolicy", () => {
  it("normalises and de-duplicates both lists", () => {
    expect(
      normalizePolicy({
        internetAccess: false,
        allowCidrs: ["8.8.8.8", "8.8.8.8/32"],
        denyCidrs: ["10.9.9.9/16"],
      }),
    ).toEqual({ internetAccess: false, allowCidrs: ["8.8.8.8/32"], denyCidrs: ["10.9.0.0/16"] });
  });

  it("names the field holding a bad entry", () => {
    expect(() =>
      normalizePolicy({ internetAccess: true, allowCidrs: [], denyCidrs: ["nope"] }),
    ).toThrow(/denyCidrs: invalid IPv4 CIDR/);
  });

  it("bounds the list sizes", () => {
    const many = Array.from({ length: MAX_POLICY_CIDRS + 1 }, () => "1.1.1.1");
    expect(() =>
      normalizePolicy({ internetAccess: true, allowCidrs: many, denyCidrs: [] }),
    ).toThrow(InvalidArgumentError);
  });

  it("refuses a policy whose fields have the wrong type at run time", () => {
    const bad = { internetAccess: "yes", allowCidrs: [], denyCidrs: [] } as unknown as Parameters<
      typeof normalizePolicy
    >[0];
    expect(() => normalizePolicy(bad)).toThrow(InvalidArgumentError);
    const notList = {
      internetAccess: true,
      allowCidrs: "1.1.1.1",
      denyCidrs: [],
    } as unknown as Parameters<typeof normalizePolicy>[0];
    expect(() => normalizePolicy(notList)).toThrow(InvalidArgumentError);
    const notString = {
      internetAccess: true,
      allowCidrs: [42],
      denyCidrs: [],
    } as unknown as Parameters<typeof normalizePolicy>[0];
    expect(() => normalizePolicy(notString)).toThrow(InvalidArgumentError);
  });
});
