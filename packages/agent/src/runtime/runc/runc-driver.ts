import { mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { SandboxId } from "@wrenn/shared";
import type { Logger } from "pino";
import { CommandError, exec } from "../../exec.js";
import {
  CheckpointError,
  type RunningSandbox,
  type RuntimeDriver,
  type RuntimeStatus,
  type SandboxSpec,
} from "../driver.js";
import { prepareCriuCommand } from "./criu-shim.js";
import { buildOciSpec } from "./oci-spec.js";

export interface RuncDriverDeps {
  log: Logger;
  /** runc's state directory (--root); on tmpfs, so it dies with the processes on reboot. */
  stateRoot: string;
  /** The private CRIU ≥ 4.2 wrapper (runtime-notes.md). */
  criuPath: string;
  /** CRIU's config file for this driver's sandboxes; the driver writes it. */
  criuConfigPath: string;
  /** Where the driver keeps its CRIU helpers (criu-shim.ts). */
  criuDir: string;
  runcPath?: string;
}

export type RuncDriver = RuntimeDriver & {
  /** Freezes every process (cgroup freezer); memory stays resident. */
  pause(id: SandboxId): Promise<void>;
  unpause(id: SandboxId): Promise<void>;
};

/**
 * Options runc's CRIU RPC has no flag for; runc names this file to CRIU through the
 * `org.criu.config` annotation (oci-spec.ts).
 * - tcp-close: a sandbox is restored into another network slot, so its established TCP
 *   connections could never continue; they are dumped without their state and restored
 *   closed (programs see a reset connection) instead of failing the checkpoint.
 *   skip-in-flight does the same for half-open connections to a listener.
 * - network-lock skip: with no TCP state kept there is nothing to protect, and locking costs
 *   an iptables-restore pair inside the netns on restore (~85 ms of a ~220 ms restore).
 * - ghost-limit 1G: files deleted while open (Python's TemporaryFile, say) go into the image;
 *   CRIU's default of 1 MiB refused any bigger one ("Can't dump ghost file").
 */
const CRIU_CONFIG = `# Written by the Wrenn host agent (runtime/runc/runc-driver.ts) on every start.
tcp-close
skip-in-flight
network-lock skip
ghost-limit 1G
`;

export function createRuncDriver(deps: RuncDriverDeps): RuncDriver {
  const runc = deps.runcPath ?? "runc";
  const base = [runc, "--root", deps.stateRoot];
  const initPid = (id: string) => initPidOf(base, id);

  async function writeBundle(spec: SandboxSpec): Promise<void> {
    await mkdir(spec.bundleDir, { recursive: true });
    const config = buildOciSpec(spec, { criuConfigPath: deps.criuConfigPath });
    await writeFile(join(spec.bundleDir, "config.json"), JSON.stringify(config));
  }

  let criuReady: Promise<string> | undefined;
  /**
   * The config file and the CRIU command to run, prepared once per driver (so a hand edit
   * does not outlive an agent restart); a failure is retried by the next call.
   */
  function prepareCriu(): Promise<string> {
    criuReady ??= (async () => {
      await mkdir(dirname(deps.criuConfigPath), { recursive: true });
      const tmp = `${deps.criuConfigPath}.tmp-${process.pid}`;
      await writeFile(tmp, CRIU_CONFIG, { mode: 0o644 });
      await rename(tmp, deps.criuConfigPath);
      return prepareCriuCommand({ criuWrapper: deps.criuPath, dir: deps.criuDir, log: deps.log });
    })().catch((error: unknown) => {
      criuReady = undefined;
      throw error;
    });
    return criuReady;
  }

  async function runDetached(
    argv: string[],
    spec: SandboxSpec,
    signal: AbortSignal,
  ): Promise<RunningSandbox> {
    const logFile = join(spec.bundleDir, "runc.log");
    const pidFile = join(spec.bundleDir, "init.pid");
    try {
      await exec(
        [
          ...base,
          "--log",
          logFile,
          "--log-format",
          "json",
          ...argv,
          "--pid-file",
          pidFile,
          spec.id,
        ],
        {
          signal,
          detachOutput: true,
        },
      );
    } catch (error) {
      throw new CommandError(
        [runc, ...argv, spec.id],
        error instanceof CommandError ? error.code : null,
        await runcLogTail(logFile),
        { cause: error },
      );
    }
    const pid = Number((await readFile(pidFile, "utf8")).trim());
    return { id: spec.id, pid };
  }

  return {
    name: "runc",

    async start(spec, signal) {
      await writeBundle(spec);
      return runDetached(["run", "-d", "--bundle", spec.bundleDir], spec, signal);
    },

    async checkpoint(id, paths, signal) {
      const criu = await prepareCriu();
      await prepareEmptyDir(paths.imageDir);
      await mkdir(paths.workDir, { recursive: true, mode: 0o700 });
      // The log is read for the error, and by recovery to tell a complete dump: only this one.
      const dumpLog = join(paths.workDir, "dump.log");
      await rm(dumpLog, { force: true });
      // Freezing first spares CRIU its 100 ms freezer polling (scripts/host/NOTES.md).
      await exec([...base, "pause", id], { signal });
      try {
        await exec(
          [
            ...base,
            "--criu",
            criu,
            "checkpoint",
            "--image-path",
            paths.imageDir,
            "--work-path",
            paths.workDir,
            "--file-locks",
            id,
          ],
          { signal },
        );
      } catch (error) {
        // CRIU leaves the tasks as it found them: frozen by the `runc pause` above.
        await exec([...base, "resume", id]).catch((resumeError: unknown) =>
          deps.log.error(
            { err: resumeError, sandboxId: id },
            "could not thaw sandbox after failed checkpoint",
          ),
        );
        const log =
          (await criuLogTail(join(paths.workDir, "dump.log"))) ?? (error as Error).message;
        throw new CheckpointError("checkpoint", id, log, { cause: error });
      }
    },

    async restore(spec, paths, signal) {
      const criu = await prepareCriu();
      await writeBundle(spec);
      await mkdir(paths.workDir, { recursive: true, mode: 0o700 });
      const restoreLog = join(paths.workDir, "restore.log");
      await rm(restoreLog, { force: true });
      try {
        return await runDetached(
          [
            "--criu",
            criu,
            "restore",
            "-d",
            "--image-path",
            paths.imageDir,
            "--work-path",
            paths.workDir,
            "--file-locks",
            "--bundle",
            spec.bundleDir,
          ],
          spec,
          signal,
        );
      } catch (error) {
        const log = (await criuLogTail(restoreLog)) ?? (error as Error).message;
        throw new CheckpointError("restore", spec.id, log, { cause: error });
      }
    },

    async kill(id) {
      // `runc delete --force` sleeps 100 ms before it first checks that the init died. Killing
      // the init (the whole pid namespace goes with it) and watching its pid ourselves takes a
      // few ms; the plain delete afterwards only removes the cgroups and state.
      const pid = await initPid(id);
      if (pid !== undefined) {
        await exec([...base, "kill", id, "KILL"], { okCodes: [1] });
        await waitForExit(pid, 2000);
      }
      const result = await exec([...base, "delete", "--force", id], { okCodes: [1] });
      if (result.code === 1 && !/does not exist|not exist/i.test(result.stderr)) {
        throw new CommandError([runc, "delete", "--force", id], 1, result.stderr);
      }
    },

    async list() {
      const { stdout } = await exec([...base, "list", "--format", "json"]);
      const parsed: unknown = JSON.parse(stdout.trim() || "null");
      if (!Array.isArray(parsed)) return [];
      return parsed.map((entry: { id?: unknown; pid?: unknown; status?: unknown }) => ({
        id: String(entry.id),
        pid: Number(entry.pid),
        status: String(entry.status) as RuntimeStatus,
      }));
    },

    async pause(id) {
      await exec([...base, "pause", id]);
    },

    async unpause(id) {
      await exec([...base, "resume", id]);
    },
  };
}

/** The host pid of a container's init, or undefined when runc does not know the container. */
async function initPidOf(base: string[], id: string): Promise<number | undefined> {
  const result = await exec([...base, "state", id], { okCodes: [1] });
  if (result.code !== 0) return undefined;
  const pid = Number((JSON.parse(result.stdout) as { pid?: unknown }).pid);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Polls /proc until the process is gone (or a zombie); gives up quietly after the deadline. */
async function waitForExit(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      if (/^\d+ \(.*\) Z/.test(stat)) return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

async function runcLogTail(logFile: string): Promise<string> {
  try {
    const lines = (await readFile(logFile, "utf8")).trim().split("\n").slice(-3);
    return lines
      .map((line) => {
        try {
          return String((JSON.parse(line) as { msg?: unknown }).msg);
        } catch {
          return line;
        }
      })
      .join(" | ");
  } catch (error) {
    return `no runc log (${(error as Error).message})`;
  }
}

// Printed on every run here and harmless (scripts/host/NOTES.md, pitfall 8).
const HARMLESS_CRIU_ERRORS = [/rlimit: Can't setup RLIMIT_NOFILE for self/];

/**
 * CRIU's own error lines: the reason a dump or restore failed, for the error message.
 * Undefined when CRIU wrote none (runc failed before or after it).
 */
async function criuLogTail(logFile: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(logFile, "utf8");
  } catch {
    return undefined;
  }
  const lines = text
    .split("\n")
    .filter((l) => /Error|error/.test(l) && !HARMLESS_CRIU_ERRORS.some((re) => re.test(l)))
    .map((l) => l.replace(/^\(\d+\.\d+\)\s*/, "").trim());
  return lines.length > 0 ? lines.slice(-4).join(" | ") : undefined;
}

/** CRIU refuses to write an image over another one. */
async function prepareEmptyDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if ((await readdir(dir)).length > 0) throw new Error(`checkpoint dir ${dir} is not empty`);
}
