import { type ReactNode, useState } from "react";
import { describeError } from "../api/errors.js";
import { Button } from "./button.js";
import { Dialog, DialogActions } from "./dialog.js";
import { FormError } from "./field.js";

/**
 * "Are you sure?" for destructive actions. `onConfirm` runs while the dialog shows progress;
 * if it throws, the error stays in the dialog so the person can read it and retry.
 */
export function ConfirmDialog({
  open,
  onClose,
  title,
  children,
  confirmLabel,
  onConfirm,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  children: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = () => {
    setError(null);
    onClose();
  };
  return (
    <Dialog open={open} onClose={close} title={title} locked={busy}>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError(null);
          try {
            await onConfirm();
            close();
          } catch (caught) {
            setError(describeError(caught));
          } finally {
            setBusy(false);
          }
        }}
      >
        <div className="text-sm">{children}</div>
        <FormError error={error} />
        <DialogActions>
          <Button onClick={close} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" variant="danger" busy={busy}>
            {confirmLabel}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
