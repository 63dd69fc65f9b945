import { useState } from "react";
import { describeError } from "../../api/errors.js";
import type { Sandbox } from "../../api/types.js";
import { Button } from "../../components/button.js";
import { ConfirmDialog } from "../../components/confirm-dialog.js";
import { useToast } from "../../components/toasts.js";
import { useSandboxAction } from "./queries.js";
import { SetTimeoutDialog } from "./set-timeout-dialog.js";
import { SnapshotDialog } from "./snapshot-dialog.js";
import { canKill, canPause, canResume } from "./states.js";

/**
 * Pause, resume and kill (and, in full, set timeout and snapshot). Each answers at once with a
 * transient state; the badge then follows the sandbox until it arrives.
 */
export function SandboxActions({
  sandbox,
  compact = false,
}: {
  sandbox: Sandbox;
  compact?: boolean;
}) {
  const action = useSandboxAction();
  const toast = useToast();
  const [dialog, setDialog] = useState<"kill" | "timeout" | "snapshot" | null>(null);
  const size = compact ? "sm" : "md";
  const pending = action.isPending ? action.variables?.action : undefined;

  const run = (name: "pause" | "resume") =>
    action.mutate(
      { id: sandbox.id, action: name },
      {
        // Success needs no toast: the state badge shows it (and is announced).
        onError: (error) => toast.error(describeError(error)),
      },
    );
  // The confirm dialog shows a failed kill itself, so it gets the promise.
  const kill = async () => {
    await action.mutateAsync({ id: sandbox.id, action: "kill" });
    toast.info(`Sandbox ${sandbox.id} is stopping.`);
  };

  const { state } = sandbox;
  return (
    <div className={`flex flex-wrap gap-1.5 ${compact ? "sm:justify-end" : ""}`}>
      {canResume(state) || state === "resuming" ? (
        <Button
          size={size}
          busy={pending === "resume"}
          disabled={state !== "paused"}
          onClick={() => run("resume")}
          aria-label={compact ? `Resume ${sandbox.id}` : undefined}
        >
          Resume
        </Button>
      ) : (
        <Button
          size={size}
          busy={pending === "pause"}
          disabled={!canPause(state)}
          onClick={() => run("pause")}
          aria-label={compact ? `Pause ${sandbox.id}` : undefined}
        >
          Pause
        </Button>
      )}
      {!compact && (
        <>
          <Button size={size} disabled={state !== "running"} onClick={() => setDialog("timeout")}>
            Set timeout
          </Button>
          <Button
            size={size}
            disabled={state !== "running" && state !== "paused"}
            onClick={() => setDialog("snapshot")}
          >
            Snapshot
          </Button>
        </>
      )}
      <Button
        size={size}
        variant="danger"
        disabled={!canKill(state)}
        onClick={() => setDialog("kill")}
        aria-label={compact ? `Kill ${sandbox.id}` : undefined}
      >
        Kill
      </Button>
      <ConfirmDialog
        open={dialog === "kill"}
        onClose={() => setDialog(null)}
        title="Kill this sandbox?"
        confirmLabel="Kill sandbox"
        onConfirm={kill}
      >
        <p>
          <span className="font-mono text-xs">{sandbox.id}</span> and everything in it (processes,
          files) will be gone. This cannot be undone.
        </p>
      </ConfirmDialog>
      {!compact && (
        <>
          <SetTimeoutDialog
            sandbox={sandbox}
            open={dialog === "timeout"}
            onClose={() => setDialog(null)}
          />
          <SnapshotDialog
            sandbox={sandbox}
            open={dialog === "snapshot"}
            onClose={() => setDialog(null)}
          />
        </>
      )}
    </div>
  );
}
