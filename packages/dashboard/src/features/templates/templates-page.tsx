import { Link } from "@tanstack/react-router";
import { useState } from "react";
import type { Template } from "../../api/types.js";
import { Button } from "../../components/button.js";
import { ConfirmDialog } from "../../components/confirm-dialog.js";
import { type Column, DataTable } from "../../components/data-table.js";
import { Loading, PageHeader, QueryError, Section } from "../../components/page.js";
import { useToast } from "../../components/toasts.js";
import { formatBytes, formatDateTime, formatMemoryMb, shortId } from "../../lib/format.js";
import { CreateSandboxDialog } from "../sandboxes/create-sandbox-dialog.js";
import { useDeleteSnapshot, useTemplates } from "../sandboxes/queries.js";

export function TemplatesPage() {
  const templates = useTemplates();
  const remove = useDeleteSnapshot();
  const toast = useToast();
  const [startFrom, setStartFrom] = useState<Template | null>(null);
  const [toDelete, setToDelete] = useState<Template | null>(null);

  const startButton = (t: Template) => (
    <Button
      size="sm"
      variant="primary"
      onClick={() => setStartFrom(t)}
      aria-label={`New sandbox from ${t.name}`}
    >
      New sandbox
    </Button>
  );

  const baseColumns: Column<Template>[] = [
    { header: "Name", cell: (t) => <span className="font-medium">{t.name}</span> },
    { header: "Shared", cell: (t) => (t.isPlatform ? "platform (every team)" : "this team") },
    { header: "Created", className: "max-md:hidden", cell: (t) => formatDateTime(t.createdAt) },
    { header: "Actions", bareOnPhone: true, className: "text-right", cell: startButton },
  ];

  const snapshotColumns: Column<Template>[] = [
    { header: "Name", cell: (t) => <span className="font-medium">{t.name}</span> },
    {
      header: "Size",
      cell: (t) =>
        `${t.vcpus ?? "?"} vCPU · ${t.memoryMb ? formatMemoryMb(t.memoryMb) : "?"}${t.sizeBytes ? ` · ${formatBytes(t.sizeBytes)}` : ""}`,
    },
    {
      header: "From sandbox",
      className: "max-md:hidden",
      cell: (t) =>
        t.sourceSandboxId ? (
          <Link
            to="/sandboxes/$id"
            params={{ id: t.sourceSandboxId }}
            className="font-mono text-xs text-accent hover:underline"
          >
            {shortId(t.sourceSandboxId, 14)}
          </Link>
        ) : (
          "—"
        ),
    },
    { header: "Created", className: "max-md:hidden", cell: (t) => formatDateTime(t.createdAt) },
    {
      header: "Actions",
      bareOnPhone: true,
      className: "text-right",
      cell: (t) => (
        <div className="flex gap-1.5 sm:justify-end">
          {startButton(t)}
          <Button
            size="sm"
            variant="danger"
            onClick={() => setToDelete(t)}
            aria-label={`Delete snapshot ${t.name}`}
          >
            Delete
          </Button>
        </div>
      ),
    },
  ];

  const list = templates.data ?? [];
  return (
    <>
      <PageHeader
        title="Templates"
        subtitle="What new sandboxes start from: a base image, or a snapshot of a sandbox with its memory."
      />
      {templates.isPending ? (
        <Loading label="Loading templates" />
      ) : templates.error ? (
        <QueryError error={templates.error} retry={() => void templates.refetch()} />
      ) : (
        <>
          <Section title="Base templates">
            <DataTable
              caption="Base templates"
              columns={baseColumns}
              rows={list.filter((t) => t.type === "base")}
              rowKey={(t) => t.id}
              empty={<p className="text-sm text-muted">No base templates.</p>}
            />
          </Section>
          <Section title="Snapshot templates">
            <DataTable
              caption="Snapshot templates"
              columns={snapshotColumns}
              rows={list.filter((t) => t.type === "snapshot")}
              rowKey={(t) => t.id}
              empty={
                <p className="text-sm text-muted">
                  No snapshots yet. Open a sandbox and choose Snapshot to save it, processes and
                  all.
                </p>
              }
            />
          </Section>
        </>
      )}
      <CreateSandboxDialog
        open={startFrom !== null}
        onClose={() => setStartFrom(null)}
        templateId={startFrom?.id ?? "base"}
      />
      <ConfirmDialog
        open={toDelete !== null}
        onClose={() => setToDelete(null)}
        title={`Delete snapshot ${toDelete?.name ?? ""}?`}
        confirmLabel="Delete snapshot"
        onConfirm={async () => {
          if (!toDelete) return;
          await remove.mutateAsync(toDelete.id);
          toast.success(`Deleted snapshot ${toDelete.name}.`);
        }}
      >
        <p>
          New sandboxes can no longer start from it. Sandboxes running from it must be killed first.
        </p>
      </ConfirmDialog>
    </>
  );
}
