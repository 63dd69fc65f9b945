import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SandboxId } from "@wrenn/shared";
import type { Logger } from "pino";
import { CommandError, exec } from "../../exec.js";
import type { RunningSandbox, RuntimeDriver, RuntimeStatus, SandboxSpec } from "../driver.js";
import { buildOciSpec } from "./oci-spec.js";

export interface RuncDriverDeps {
  log: Logger;
  /** runc's state directory (--root); on tmpfs, so it dies with the processes on reboot. */
  stateRoot: string;
  /** The private CRIU ≥ 4.2 wrapper (runtime-notes.md). */
  criuPath: string;
  runcPath?: string;
}

export type RuncDriver = RuntimeDriver & {
  /** Freezes every process (cgroup freezer); memory stays resident. */
  pause(id: SandboxId): Promise<void>;
  unpause(id: SandboxId): Promise<void>;
};

export function createRuncDriver(deps: RuncDriverDeps): RuncDriver {
  const runc = deps.runcPath ?? "runc";
  const base = [runc, "--root", deps.stateRoot];

  async function writeBundle(spec: SandboxSpec): Promise<void> {
    await mkdir(spec.bundleDir, { recursive: true });
    await writeFile(join(spec.bundleDir, "config.json"), JSON.stringify(buildOciSpec(spec)));
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

    async checkpoint(id, imageDir, signal) {
      // Freezing first spares CRIU its 100 ms freezer polling (scripts/host/NOTES.md).
      await exec([...base, "pause", id], { signal });
      const workDir = `${imageDir}.work`;
      await mkdir(imageDir, { recursive: true });
      await mkdir(workDir, { recursive: true });
      try {
        await exec(
          [
            ...base,
            "--criu",
            deps.criuPath,
            "checkpoint",
            "--image-path",
            imageDir,
            "--work-path",
            workDir,
            id,
          ],
          { signal },
        );
      } catch (error) {
        await exec([...base, "resume", id]).catch((resumeError: unknown) =>
          deps.log.warn(
            { err: resumeError, sandboxId: id },
            "could not thaw sandbox after failed checkpoint",
          ),
        );
        throw new CommandError(
          [runc, "checkpoint", id],
          null,
          await criuLogTail(join(workDir, "dump.log")),
          {
            cause: error,
          },
        );
      }
    },

    async restore(spec, imageDir, signal) {
      await writeBundle(spec);
      const workDir = `${imageDir}.restore-${spec.id}`;
      await mkdir(workDir, { recursive: true });
      try {
        return await runDetached(
          [
            "--criu",
            deps.criuPath,
            "restore",
            "-d",
            "--image-path",
            imageDir,
            "--work-path",
            workDir,
            "--bundle",
            spec.bundleDir,
          ],
          spec,
          signal,
        );
      } catch (error) {
        const criu = await criuLogTail(join(workDir, "restore.log"));
        throw new CommandError([runc, "restore", spec.id], null, criu, { cause: error });
      }
    },

    async kill(id) {
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

async function criuLogTail(logFile: string): Promise<string> {
  try {
    const lines = (await readFile(logFile, "utf8"))
      .split("\n")
      .filter((l) => /Error|error/.test(l));
    return lines.slice(-4).join(" | ") || "CRIU failed without an error line";
  } catch (error) {
    return `no CRIU log (${(error as Error).message})`;
  }
}
