import { readFile } from "node:fs/promises";

/** Whether a process is alive: present and not a zombie (a zombie still answers kill(pid, 0)). */
export async function isProcessAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) S …": the state follows the last ")", as comm may contain one.
    const state = stat.charAt(stat.lastIndexOf(")") + 2);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}
