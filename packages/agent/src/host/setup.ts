import { WrennError } from "@wrenn/shared";
import type { Logger } from "pino";
import type { Layout } from "../layout.js";
import { runHostScript } from "./scripts.js";

/** The host cannot run sandboxes: not root, or setup.sh found something missing. */
export class HostSetupError extends WrennError {
  constructor(
    message: string,
    /** setup.sh's report, one "<item>: ok | installed | missing: <why>" line per item. */
    readonly report: readonly string[],
  ) {
    super("unavailable", message);
  }
}

export interface HostSetupOptions {
  readonly layout: Layout;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  /** Passed on as WRENN_DEBIAN_MIRROR; unset, setup.sh finds the machine's apt mirror. */
  readonly debianMirror?: string;
  /** The agent's uid; injectable so the not-root path can be tested as root. */
  readonly uid?: number;
}

/**
 * Runs scripts/host/setup.sh (packages, private CRIU, ip_forward, overlayfs): idempotent,
 * ~0.2 s when nothing is missing, so the agent runs it on every start. Returns the report
 * lines; throws HostSetupError with them when anything is missing.
 */
export async function runHostSetup(options: HostSetupOptions): Promise<string[]> {
  const log = options.log.child({ component: "agent.host.setup" });
  const uid = options.uid ?? process.getuid?.();
  if (uid !== 0) {
    throw new HostSetupError(
      `host setup must run as root (uid 0), not uid ${uid}: it installs Debian packages, ` +
        "loads kernel modules and sets sysctls; run the agent as root",
      [],
    );
  }
  const started = performance.now();
  const result = await runHostScript({
    script: "setup.sh",
    env: {
      WRENN_DIR: options.layout.root,
      ...(options.debianMirror ? { WRENN_DEBIAN_MIRROR: options.debianMirror } : {}),
    },
    signal: options.signal,
    onStderrLine: (line) => log.debug({ line }, "setup.sh"),
    okCodes: [1, 2],
  });
  const report = result.stdout.split("\n").filter((line) => line.trim() !== "");
  const durationMs = Math.round(performance.now() - started);
  if (result.code === 0) {
    log.info({ report, durationMs }, "host setup done");
    return report;
  }
  const missing = report.filter((line) => line.includes(": missing: "));
  const why = missing.length > 0 ? missing : lastLines(result.stderr);
  throw new HostSetupError(
    `host setup failed (setup.sh exit ${result.code}): ${why.join("; ")}`,
    report,
  );
}

function lastLines(text: string): string[] {
  return text.trim().split("\n").slice(-3);
}
