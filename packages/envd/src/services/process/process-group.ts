/**
 * Children lead their own process group (pipes: detached → setsid; PTY: the terminal's
 * session), so a negative pid reaches every descendant that did not move away on purpose.
 */
export function signalProcessGroup(pid: number, signal: NodeJS.Signals): void {
  if (trySignal(-pid, signal)) return;
  // The group is gone; the leader may still exist if it moved to another group itself.
  trySignal(pid, signal);
}

function trySignal(target: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(target, signal);
    return true;
  } catch (error) {
    // ESRCH: already gone, which is what the caller wanted. Anything else (EPERM) is a bug.
    if ((error as NodeJS.ErrnoException).code === "ESRCH") return false;
    throw error;
  }
}
