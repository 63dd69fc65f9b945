import { Link } from "@tanstack/react-router";
import { useState } from "react";
import { describeError } from "../../api/errors.js";
import type { Sandbox } from "../../api/types.js";
import { Button } from "../../components/button.js";
import { Dialog, DialogActions } from "../../components/dialog.js";
import { FormError, TextField } from "../../components/field.js";
import { ProgressBar } from "../../components/progress-bar.js";
import { useToast } from "../../components/toasts.js";
import { formatDuration } from "../../lib/format.js";
import { useNow } from "../../lib/use-now.js";
import { useCreateSnapshot } from "./queries.js";

const NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9._\\-]{0,127}";

function defaultName(sandbox: Sandbox): string {
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, "");
  return `${sandbox.id.slice(3, 11)}-${stamp}`;
}

/** Snapshot into a template. The request waits for the copy, so the dialog shows time passing. */
export function SnapshotDialog({
  sandbox,
  open,
  onClose,
}: {
  sandbox: Sandbox;
  open: boolean;
  onClose: () => void;
}) {
  const [name, setName] = useState(() => defaultName(sandbox));
  const [startedAt, setStartedAt] = useState<number | null>(null);
  const snapshot = useCreateSnapshot();
  const toast = useToast();
  const now = useNow(500);
  const close = () => {
    snapshot.reset();
    setStartedAt(null);
    onClose();
  };
  return (
    <Dialog
      open={open}
      onClose={close}
      title="Snapshot to a template"
      description={
        sandbox.state === "running"
          ? "The sandbox pauses while its memory and files are copied, then runs on."
          : "The paused sandbox's memory and files are copied; it stays paused."
      }
      locked={snapshot.isPending}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          setStartedAt(Date.now());
          snapshot.mutate(
            { sandboxId: sandbox.id, name },
            {
              onSuccess: (template) => {
                toast.success(`Template ${template.name} is ready.`);
                close();
              },
            },
          );
        }}
      >
        <TextField
          label="Template name"
          required
          autoFocus
          pattern={NAME_PATTERN}
          title="Letters, digits, dot, dash and underscore; starts with a letter or digit"
          value={name}
          disabled={snapshot.isPending}
          onChange={(event) => setName(event.target.value)}
          hint="Unique in your team. Start new sandboxes from it on the Templates page."
        />
        {snapshot.isPending && startedAt !== null && (
          <div className="mt-3 flex flex-col gap-1" role="status">
            <ProgressBar label="Snapshot in progress" value={null} />
            <p className="text-xs text-muted">
              Copying memory and files… {formatDuration(now - startedAt)}
            </p>
          </div>
        )}
        <FormError error={snapshot.error ? describeError(snapshot.error) : null} />
        <DialogActions>
          <Link to="/templates" className="mr-auto self-center text-xs text-accent hover:underline">
            See templates
          </Link>
          <Button onClick={close} disabled={snapshot.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" busy={snapshot.isPending}>
            Create snapshot
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
