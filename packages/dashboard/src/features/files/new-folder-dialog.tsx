import { useState } from "react";
import { describeError } from "../../api/errors.js";
import { Button } from "../../components/button.js";
import { Dialog, DialogActions } from "../../components/dialog.js";
import { FormError, TextField } from "../../components/field.js";
import { useToast } from "../../components/toasts.js";
import { joinPath, useMakeDirectory } from "./queries.js";

export function NewFolderDialog({
  sandboxId,
  parent,
  open,
  onClose,
}: {
  sandboxId: string;
  parent: string;
  open: boolean;
  onClose: () => void;
}) {
  const [name, setName] = useState("");
  const makeDirectory = useMakeDirectory(sandboxId, parent);
  const toast = useToast();
  const close = () => {
    setName("");
    makeDirectory.reset();
    onClose();
  };
  return (
    <Dialog
      open={open}
      onClose={close}
      title="New folder"
      description={`Inside ${parent}`}
      locked={makeDirectory.isPending}
    >
      <form
        onSubmit={(event) => {
          event.preventDefault();
          makeDirectory.mutate(joinPath(parent, name.trim()), {
            onSuccess: ({ created }) => {
              toast.success(created ? `Created ${name.trim()}.` : `${name.trim()} already exists.`);
              close();
            },
          });
        }}
      >
        <TextField
          label="Folder name"
          required
          autoFocus
          pattern="[^/]+"
          title="A name without slashes"
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <FormError error={makeDirectory.error ? describeError(makeDirectory.error) : null} />
        <DialogActions>
          <Button onClick={close} disabled={makeDirectory.isPending}>
            Cancel
          </Button>
          <Button type="submit" variant="primary" busy={makeDirectory.isPending}>
            Create folder
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
