import { InvalidArgumentError } from "@wrenn/shared";
import { intToIpv4, ipv4ToInt } from "./addresses.js";

/**
 * A sandbox's outbound policy, with E2B's semantics: an address in `allowCidrs` is reachable
 * even when it is also in `denyCidrs`; `internetAccess: false` denies 0.0.0.0/0.
 * Other sandboxes, the host and link-local addresses (cloud metadata) are never reachable,
 * whatever the policy says.
 */
export interface NetworkPolicy {
  internetAccess: boolean;
  allowCidrs: readonly string[];
  denyCidrs: readonly string[];
}

/** Each list becomes one iptables rule per entry: bound it so a request cannot bloat the ruleset. */
export const MAX_POLICY_CIDRS = 1024;

const OCTET = /^(0|[1-9][0-9]{0,2})$/;
const PREFIX = /^(0|[1-9][0-9]?)$/;

/** Parses a dotted-quad IPv4 address; leading zeros are refused (some parsers read them as octal). */
export function parseIpv4(text: string): number | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const part of parts) {
    if (!OCTET.test(part)) return undefined;
    const octet = Number(part);
    if (octet > 255) return undefined;
    octets.push(octet);
  }
  const [a, b, c, d] = octets as [number, number, number, number];
  return ipv4ToInt(a, b, c, d);
}

/**
 * Normalises `a.b.c.d` or `a.b.c.d/len` to `network/len`. Host bits are cleared, as iptables
 * would do itself, so the rule listing shows what is really matched. IPv4 only: sandboxes
 * have no IPv6.
 */
export function normalizeCidr(text: string): string {
  if (typeof text !== "string") throw new InvalidArgumentError("CIDR must be a string");
  const [addressText = "", prefixText, extra] = text.trim().split("/");
  const address = parseIpv4(addressText);
  if (address === undefined || extra !== undefined) {
    throw new InvalidArgumentError(`invalid IPv4 CIDR: ${JSON.stringify(text)}`);
  }
  let prefix = 32;
  if (prefixText !== undefined) {
    if (!PREFIX.test(prefixText) || Number(prefixText) > 32) {
      throw new InvalidArgumentError(`invalid prefix length in CIDR: ${JSON.stringify(text)}`);
    }
    prefix = Number(prefixText);
  }
  const size = 2 ** (32 - prefix);
  const network = Math.floor(address / size) * size;
  return `${intToIpv4(network)}/${prefix}`;
}

/** Validates a policy and returns it normalised (canonical CIDRs, duplicates removed). */
export function normalizePolicy(policy: NetworkPolicy): NetworkPolicy {
  if (typeof policy.internetAccess !== "boolean") {
    throw new InvalidArgumentError("internetAccess must be a boolean");
  }
  return {
    internetAccess: policy.internetAccess,
    allowCidrs: normalizeList("allowCidrs", policy.allowCidrs),
    denyCidrs: normalizeList("denyCidrs", policy.denyCidrs),
  };
}

function normalizeList(field: string, list: readonly string[]): string[] {
  if (!Array.isArray(list)) throw new InvalidArgumentError(`${field} must be an array`);
  if (list.length > MAX_POLICY_CIDRS) {
    throw new InvalidArgumentError(
      `${field} has ${list.length} entries; at most ${MAX_POLICY_CIDRS}`,
    );
  }
  const out = new Set<string>();
  for (const entry of list) {
    try {
      out.add(normalizeCidr(entry));
    } catch (error) {
      if (error instanceof InvalidArgumentError) {
        throw new InvalidArgumentError(`${field}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
  return [...out];
}
