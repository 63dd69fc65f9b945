import type { NetworkInterfaceInfo } from "node:os";

type Interfaces = NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * The address forwards bind on: the configured one, else the first non-internal IPv4 address
 * (the sandbox's veth). Undefined while the sandbox has none, e.g. before its network is up.
 */
export function pickForwardAddress(
  configured: string | undefined,
  interfaces: Interfaces,
): string | undefined {
  if (configured !== undefined) return configured;
  for (const addresses of Object.values(interfaces)) {
    for (const info of addresses ?? []) {
      if (info.family === "IPv4" && !info.internal) return info.address;
    }
  }
  return undefined;
}
