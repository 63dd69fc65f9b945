import { useState } from "react";
import { describeError } from "../../api/errors.js";
import type { ApiKey, CreatedApiKey } from "../../api/types.js";
import { Button } from "../../components/button.js";
import { ConfirmDialog } from "../../components/confirm-dialog.js";
import { CopyButton } from "../../components/copy-button.js";
import { type Column, DataTable } from "../../components/data-table.js";
import { Dialog, DialogActions } from "../../components/dialog.js";
import { FormError, TextField } from "../../components/field.js";
import { Loading, PageHeader, QueryError } from "../../components/page.js";
import { useToast } from "../../components/toasts.js";
import { formatDateTime, formatRelative } from "../../lib/format.js";
import { useNow } from "../../lib/use-now.js";
import { useMe } from "../auth/queries.js";
import { useApiKeys, useCreateApiKey, useDeleteApiKey } from "./queries.js";

function CreateKeyDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [name, setName] = useState("");
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const create = useCreateApiKey();
  const close = () => {
    setName("");
    setCreated(null);
    create.reset();
    onClose();
  };
  return (
    <Dialog
      open={open}
      onClose={close}
      title={created ? "Your new API key" : "New API key"}
      description={
        created
          ? "Copy it now: this is the only time it is shown."
          : "Programs use it as X-API-Key (or E2B_API_KEY with the e2b SDK) to act in this team."
      }
      locked={create.isPending}
    >
      {created ? (
        <div className="flex flex-col gap-3">
          <div className="flex items-center gap-2 rounded-md border border-line bg-raised p-2">
            <code
              data-testid="new-api-key"
              className="min-w-0 flex-1 break-all font-mono text-xs select-all"
            >
              {created.key}
            </code>
            <CopyButton text={created.key} />
          </div>
          <p className="text-xs text-muted">
            Store it in a secret manager or an environment variable. If it is lost, delete it and
            create another.
          </p>
          <DialogActions>
            <Button variant="primary" onClick={close}>
              Done
            </Button>
          </DialogActions>
        </div>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            create.mutate(name.trim(), { onSuccess: setCreated });
          }}
        >
          <TextField
            label="Name"
            required
            autoFocus
            maxLength={100}
            placeholder="ci-runner"
            value={name}
            onChange={(event) => setName(event.target.value)}
            hint="To tell keys apart later."
          />
          <FormError error={create.error ? describeError(create.error) : null} />
          <DialogActions>
            <Button onClick={close} disabled={create.isPending}>
              Cancel
            </Button>
            <Button type="submit" variant="primary" busy={create.isPending}>
              Create key
            </Button>
          </DialogActions>
        </form>
      )}
    </Dialog>
  );
}

export function KeysPage() {
  const keys = useApiKeys();
  const me = useMe();
  const remove = useDeleteApiKey();
  const toast = useToast();
  const now = useNow(30_000);
  const [creating, setCreating] = useState(false);
  const [toDelete, setToDelete] = useState<ApiKey | null>(null);

  const columns: Column<ApiKey>[] = [
    { header: "Name", cell: (k) => <span className="font-medium">{k.name}</span> },
    { header: "Key", cell: (k) => <code className="font-mono text-xs">{k.prefix}…</code> },
    { header: "Created", cell: (k) => formatDateTime(k.createdAt) },
    {
      header: "Last used",
      cell: (k) => (
        <span title={k.lastUsedAt ?? undefined}>{formatRelative(k.lastUsedAt, now)}</span>
      ),
    },
    {
      header: "Created by",
      className: "max-md:hidden",
      cell: (k) =>
        k.createdBy && k.createdBy === me.data?.user.id ? "you" : k.createdBy ? "a teammate" : "—",
    },
    {
      header: "Actions",
      bareOnPhone: true,
      className: "text-right",
      cell: (k) => (
        <Button
          size="sm"
          variant="danger"
          onClick={() => setToDelete(k)}
          aria-label={`Delete key ${k.name}`}
        >
          Delete
        </Button>
      ),
    },
  ];

  return (
    <>
      <PageHeader
        title="API keys"
        subtitle="Keys act in the current team. Their secrets are shown once, when created."
        actions={
          <Button variant="primary" onClick={() => setCreating(true)}>
            New API key
          </Button>
        }
      />
      {keys.isPending ? (
        <Loading label="Loading keys" />
      ) : keys.error ? (
        <QueryError error={keys.error} retry={() => void keys.refetch()} />
      ) : (
        <DataTable
          caption="API keys"
          columns={columns}
          rows={keys.data}
          rowKey={(k) => k.id}
          empty={
            <p className="text-sm text-muted">
              No API keys yet. Create one for the SDK or the CLI.
            </p>
          }
        />
      )}
      <CreateKeyDialog open={creating} onClose={() => setCreating(false)} />
      <ConfirmDialog
        open={toDelete !== null}
        onClose={() => setToDelete(null)}
        title={`Delete key ${toDelete?.name ?? ""}?`}
        confirmLabel="Delete key"
        onConfirm={async () => {
          if (!toDelete) return;
          await remove.mutateAsync(toDelete.id);
          toast.success(`Deleted key ${toDelete.name}.`);
        }}
      >
        <p>Programs using it stop working at once.</p>
      </ConfirmDialog>
    </>
  );
}
