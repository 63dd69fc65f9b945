import { writeFile } from "node:fs/promises";
import { spawnPipes } from "./spawn-pipes.js";
import { spawnPty } from "./spawn-pty.js";
import type { ProcessSink, SpawnedProcess, SpawnOptions } from "./spawned-process.js";

/** Starts the child with the sink attached before any output can arrive. */
export async function spawnProcess(
  options: SpawnOptions,
  sink: ProcessSink,
): Promise<SpawnedProcess> {
  const child = options.pty
    ? await spawnPty(options, options.pty, sink)
    : await spawnPipes(options, sink);
  await raiseOomScore(child.pid);
  return child;
}

/**
 * When a sandbox runs out of memory the kernel must kill the runaway program, never envd
 * (that would end the sandbox): children get a higher OOM score. Raising it needs no
 * privilege (lowering envd's would need CAP_SYS_RESOURCE); an exited child has none to raise.
 */
const CHILD_OOM_SCORE_ADJ = "500";

async function raiseOomScore(pid: number): Promise<void> {
  try {
    await writeFile(`/proc/${pid}/oom_score_adj`, CHILD_OOM_SCORE_ADJ);
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code !== "ENOENT" &&
      (error as NodeJS.ErrnoException).code !== "ESRCH"
    ) {
      throw error;
    }
  }
}
