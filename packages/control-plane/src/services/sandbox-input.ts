import { isIP } from "node:net";
import { InvalidArgumentError } from "@wrenn/shared";
import type { Template } from "../db/queries/templates.js";

/**
 * Bounds of what a sandbox may ask for. The API schemas repeat them for the documentation;
 * these checks are the rule, so the E2B routes (seconds, other names) get the same answers.
 * 24 days is the most milliseconds the timeout column (int4) holds in whole days.
 */
export const SANDBOX_LIMITS = {
  defaultTimeoutMs: 300_000,
  minTimeoutMs: 1_000,
  maxTimeoutMs: 24 * 86_400_000,
  defaultVcpus: 1,
  maxVcpus: 64,
  defaultMemoryMb: 512,
  minMemoryMb: 128,
  maxMemoryMb: 262_144,
  defaultDiskSizeMb: 20_480,
  minDiskSizeMb: 512,
  maxDiskSizeMb: 1_048_576,
} as const;

export interface SandboxSize {
  readonly vcpus: number;
  readonly memoryMb: number;
  readonly diskSizeMb: number;
}

function checkInteger(name: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidArgumentError(
      `${name} must be an integer from ${min} to ${max}, got ${value}`,
    );
  }
  return value;
}

export function checkTimeoutMs(value: number): number {
  const { minTimeoutMs, maxTimeoutMs } = SANDBOX_LIMITS;
  return checkInteger("timeoutMs", value, minTimeoutMs, maxTimeoutMs);
}

/**
 * A snapshot carries a memory image, so its vCPUs and memory are the template's; asking for
 * others is an error rather than a silent override.
 */
export function sizeFor(
  template: Template,
  asked: { vcpus?: number; memoryMb?: number; diskSizeMb?: number },
): SandboxSize {
  const L = SANDBOX_LIMITS;
  const fixed = (name: "vcpus" | "memoryMb", own: number | null): number | undefined => {
    const value = asked[name];
    if (own === null || template.type !== "snapshot") return value;
    if (value !== undefined && value !== own) {
      throw new InvalidArgumentError(
        `template ${template.name} is a snapshot with ${name} ${own}; omit ${name} or send ${own}`,
      );
    }
    return own;
  };
  return {
    vcpus: checkInteger("vcpus", fixed("vcpus", template.vcpus) ?? L.defaultVcpus, 1, L.maxVcpus),
    memoryMb: checkInteger(
      "memoryMb",
      fixed("memoryMb", template.memoryMb) ?? L.defaultMemoryMb,
      L.minMemoryMb,
      L.maxMemoryMb,
    ),
    diskSizeMb: checkInteger(
      "diskSizeMb",
      asked.diskSizeMb ?? L.defaultDiskSizeMb,
      L.minDiskSizeMb,
      L.maxDiskSizeMb,
    ),
  };
}

/** `a.b.c.d/n` or an IPv6 prefix; checked here so a typo is a 400, not a failed sandbox. */
export function checkCidrs(name: string, values: readonly string[] = []): string[] {
  for (const value of values) {
    const [address = "", prefix, extra] = value.split("/");
    const family = isIP(address);
    const bits = prefix === undefined ? Number.NaN : Number(prefix);
    const max = family === 6 ? 128 : 32;
    if (family === 0 || extra !== undefined || !Number.isInteger(bits) || bits < 0 || bits > max) {
      throw new InvalidArgumentError(`${name}: ${JSON.stringify(value)} is not a CIDR block`);
    }
  }
  return [...values];
}

/** What a failure tells the user: our messages are written for them, a bug's are not. */
export function reasonOf(error: unknown): string {
  if (error instanceof Error && "code" in error && typeof error.code === "string") {
    if (error.code !== "internal") return error.message;
  }
  return "internal error (see the server log)";
}
