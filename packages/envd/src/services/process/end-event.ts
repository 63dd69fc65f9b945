import { constants } from "node:os";

/** How a child ended: exactly one of `code` (normal exit) or `signal` (number) is set. */
export type ExitStatus =
  | { code: number; signal?: undefined }
  | { code?: undefined; signal: number };

/** The fields of a `ProcessEvent.EndEvent`, shaped like Go's os.ProcessState as infra's envd sends them. */
export interface EndEventFields {
  exitCode: number;
  exited: boolean;
  status: string;
  error?: string;
}

// Go's syscall signal table for Linux: the SDK and users see these exact words ("signal: killed").
const GO_SIGNAL_NAMES: Record<number, string> = {
  1: "hangup",
  2: "interrupt",
  3: "quit",
  4: "illegal instruction",
  5: "trace/breakpoint trap",
  6: "aborted",
  7: "bus error",
  8: "floating point exception",
  9: "killed",
  10: "user defined signal 1",
  11: "segmentation fault",
  12: "user defined signal 2",
  13: "broken pipe",
  14: "alarm clock",
  15: "terminated",
  16: "stack fault",
  17: "child exited",
  18: "continued",
  19: "stopped (signal)",
  20: "stopped",
  21: "stopped (tty input)",
  22: "stopped (tty output)",
  23: "urgent I/O condition",
  24: "CPU time limit exceeded",
  25: "file size limit exceeded",
  26: "virtual timer expired",
  27: "profiling timer expired",
  28: "window changed",
  29: "I/O possible",
  30: "power failure",
  31: "bad system call",
};

/** child_process reports signals by name, node-pty by number; both become the number. */
export function signalNumber(signal: NodeJS.Signals | number): number {
  if (typeof signal === "number") return signal;
  const value = constants.signals[signal];
  if (value === undefined) throw new Error(`unknown signal name: ${signal}`);
  return value;
}

/** Go's `os.ProcessState.String()`: "exit status 1", "signal: killed". */
export function describeExit(status: ExitStatus): string {
  if (status.signal === undefined) return `exit status ${status.code}`;
  return `signal: ${GO_SIGNAL_NAMES[status.signal] ?? `signal ${status.signal}`}`;
}

/** exitCode is -1 for a signalled process (Go's ExitCode()); error is set for any failure. */
export function toEndEvent(status: ExitStatus): EndEventFields {
  const description = describeExit(status);
  if (status.signal !== undefined) {
    return { exitCode: -1, exited: false, status: description, error: description };
  }
  const end: EndEventFields = { exitCode: status.code, exited: true, status: description };
  if (status.code !== 0) end.error = description;
  return end;
}
