import type { SandboxState } from "../api/types.js";
import { isTransient } from "../features/sandboxes/states.js";
import { Spinner } from "./spinner.js";

const TONE: Record<SandboxState, string> = {
  pending: "bg-info-soft text-info border-info/30",
  starting: "bg-info-soft text-info border-info/30",
  running: "bg-good-soft text-good border-good/30",
  pausing: "bg-warn-soft text-warn border-warn/30",
  paused: "bg-raised text-muted border-line",
  resuming: "bg-info-soft text-info border-info/30",
  stopping: "bg-warn-soft text-warn border-warn/30",
  stopped: "bg-raised text-muted border-line",
  error: "bg-bad-soft text-bad border-bad/40",
  missing: "bg-bad-soft text-bad border-bad/40",
};

const DOT: Partial<Record<SandboxState, string>> = {
  running: "bg-good",
  paused: "bg-muted",
  stopped: "bg-muted/60",
  error: "bg-bad",
  missing: "bg-bad",
};

/**
 * A sandbox's state as text (never colour alone); transient states spin and end in "…", so a
 * state that is still moving looks different from one that has arrived.
 */
export function StateBadge({ state }: { state: SandboxState }) {
  const moving = isTransient(state);
  return (
    <span
      data-state={state}
      className={`inline-flex items-center gap-1.5 rounded-full border px-2 py-0.5 text-xs font-medium ${TONE[state]}`}
    >
      {moving ? (
        <Spinner className="size-3" />
      ) : (
        <span aria-hidden="true" className={`size-2 rounded-full ${DOT[state] ?? "bg-muted"}`} />
      )}
      <span className="state-text">{state}</span>
      {moving && <span aria-hidden="true">…</span>}
    </span>
  );
}
