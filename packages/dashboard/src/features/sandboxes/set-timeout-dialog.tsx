import { useState } from "react";
import { describeError } from "../../api/errors.js";
import type { Sandbox } from "../../api/types.js";
import { Button } from "../../components/button.js";
import { Dialog, DialogActions } from "../../components/dialog.js";
import { FormError, TextField } from "../../components/field.js";
import { useToast } from "../../components/toasts.js";
import { formatDuration } from "../../lib/format.js";
import { useSetTimeout } from "./queries.js";

export function SetTimeoutDialog({
  sandbox,
  open,
  onClose,
}: {
  sandbox: Sandbox;
  open: boolean;
  onClose: () => void;
}) {
  const [minutes, setMinutes] = useState("30");
  const setTimeoutMutation = useSetTimeout();
  const toast = useToast();
  const close = () => {
    setTimeoutMutation.reset();
    onClose();
  };
  return (
    <Dialog
      open={open}
      onClose={close}
      title="Set timeout"
      description="The sandbox will end this long from now, replacing its current end time."
      locked={setTimeoutMutation.isPending}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          const timeoutMs = Math.round(Number(minutes) * 60_000);
          setTimeoutMutation.mutate(
            { id: sandbox.id, timeoutMs },
            {
              onSuccess: () => {
                toast.success(`Sandbox ${sandbox.id} now ends in ${formatDuration(timeoutMs)}.`);
                close();
              },
            },
          );
        }}
      >
        <TextField
          label="Minutes from now"
          type="number"
          min={1}
          max={24 * 24 * 60}
          step="any"
          required
          autoFocus
          value={minutes}
          onChange={(event) => setMinutes(event.target.value)}
          hint={sandbox.autoPause ? "Then it pauses (auto-pause is on)." : "Then it is killed."}
        />
        <FormError
          error={setTimeoutMutation.error ? describeError(setTimeoutMutation.error) : null}
        />
        <DialogActions>
          <Button onClick={close} disabled={setTimeoutMutation.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" busy={setTimeoutMutation.isPending}>
            Set timeout
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
