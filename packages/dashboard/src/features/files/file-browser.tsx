import { useState } from "react";
import { describeError } from "../../api/errors.js";
import type { FileEntry } from "../../api/types.js";
import { useApi } from "../../app-context.js";
import { Button, buttonClass } from "../../components/button.js";
import { ConfirmDialog } from "../../components/confirm-dialog.js";
import { type Column, DataTable } from "../../components/data-table.js";
import { FileIcon, FolderIcon, LinkIcon } from "../../components/icons.js";
import { Loading, QueryError } from "../../components/page.js";
import { useToast } from "../../components/toasts.js";
import { formatBytes, formatDateTime } from "../../lib/format.js";
import { Breadcrumbs } from "./breadcrumbs.js";
import { NewFolderDialog } from "./new-folder-dialog.js";
import { parentOf, useDirectory, useRemovePath } from "./queries.js";
import { UploadList } from "./upload-list.js";
import { useUploads } from "./use-uploads.js";

/** Saves a blob under `name` through a temporary object URL. */
function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has its own reference by now; give slow browsers a moment anyway.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function FileBrowser({
  sandboxId,
  path,
  onNavigate,
  live,
}: {
  sandboxId: string;
  path: string;
  onNavigate: (path: string) => void;
  live: boolean;
}) {
  const api = useApi();
  const toast = useToast();
  const directory = useDirectory(sandboxId, path, live);
  const remove = useRemovePath(sandboxId, path);
  const { uploads, start, cancel, clearFinished } = useUploads(sandboxId);
  const [newFolderOpen, setNewFolderOpen] = useState(false);
  const [toDelete, setToDelete] = useState<FileEntry | null>(null);
  const [downloading, setDownloading] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);

  const download = async (entry: FileEntry) => {
    setDownloading(entry.path);
    try {
      saveBlob(
        await api.download(`/v1/sandboxes/${sandboxId}/files`, { path: entry.path }),
        entry.name,
      );
    } catch (error) {
      toast.error(`Could not download ${entry.name}: ${describeError(error)}`);
    } finally {
      setDownloading(null);
    }
  };

  if (!live) {
    return (
      <p className="rounded-md border border-line bg-surface p-4 text-sm text-muted">
        Files can be browsed while the sandbox is running.
      </p>
    );
  }

  const columns: Column<FileEntry>[] = [
    {
      header: "Name",
      cell: (entry) =>
        entry.type === "dir" ? (
          <button
            type="button"
            className="text-left font-medium text-accent hover:underline"
            onClick={() => onNavigate(entry.path)}
          >
            <FolderIcon /> {entry.name}/
          </button>
        ) : (
          <span className="break-all">
            {entry.type === "symlink" ? <LinkIcon /> : <FileIcon />} {entry.name}
          </span>
        ),
    },
    {
      header: "Size",
      className: "whitespace-nowrap tabular-nums",
      cell: (entry) => (entry.type === "dir" ? "—" : formatBytes(entry.sizeBytes)),
    },
    {
      header: "Modified",
      className: "whitespace-nowrap max-md:hidden",
      cell: (entry) => formatDateTime(entry.modifiedAt),
    },
    {
      header: "Actions",
      bareOnPhone: true,
      className: "text-right",
      cell: (entry) => (
        <div className="flex gap-1.5 sm:justify-end">
          {entry.type === "file" && (
            <Button
              size="sm"
              busy={downloading === entry.path}
              onClick={() => void download(entry)}
              aria-label={`Download ${entry.name}`}
            >
              Download
            </Button>
          )}
          <Button
            size="sm"
            variant="danger"
            onClick={() => setToDelete(entry)}
            aria-label={`Delete ${entry.name}`}
          >
            Delete
          </Button>
        </div>
      ),
    },
  ];

  return (
    <section
      aria-label="Files"
      className={`flex flex-col gap-3 rounded-md ${dragging ? "outline-2 outline-dashed outline-accent" : ""}`}
      onDragOver={(event) => {
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(event) => {
        event.preventDefault();
        setDragging(false);
        if (event.dataTransfer.files.length) start(path, event.dataTransfer.files);
      }}
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <Breadcrumbs path={path} onNavigate={onNavigate} />
        <div className="flex flex-wrap gap-1.5">
          <Button size="sm" disabled={path === "/"} onClick={() => onNavigate(parentOf(path))}>
            Up
          </Button>
          <Button size="sm" onClick={() => void directory.refetch()} busy={directory.isFetching}>
            Refresh
          </Button>
          <Button size="sm" onClick={() => setNewFolderOpen(true)}>
            New folder
          </Button>
          <label
            className={`${buttonClass("primary", "sm")} cursor-pointer focus-within:outline-2 focus-within:outline-accent`}
          >
            Upload files
            <input
              type="file"
              multiple
              className="sr-only"
              onChange={(event) => {
                if (event.target.files?.length) start(path, event.target.files);
                event.target.value = "";
              }}
            />
          </label>
        </div>
      </div>
      <UploadList uploads={uploads} onCancel={cancel} onClear={clearFinished} />
      {directory.isPending ? (
        <Loading label="Reading the directory" />
      ) : directory.error ? (
        <QueryError error={directory.error} retry={() => void directory.refetch()} />
      ) : (
        <DataTable
          caption={`Contents of ${path}`}
          columns={columns}
          rows={directory.data}
          rowKey={(entry) => entry.path}
          empty={
            <p className="text-sm text-muted">
              This folder is empty. Upload files or drop them here.
            </p>
          }
        />
      )}
      <NewFolderDialog
        sandboxId={sandboxId}
        parent={path}
        open={newFolderOpen}
        onClose={() => setNewFolderOpen(false)}
      />
      <ConfirmDialog
        open={toDelete !== null}
        onClose={() => setToDelete(null)}
        title={`Delete ${toDelete?.name ?? ""}?`}
        confirmLabel="Delete"
        onConfirm={async () => {
          if (!toDelete) return;
          await remove.mutateAsync(toDelete.path);
          toast.success(`Deleted ${toDelete.name}.`);
        }}
      >
        <p>
          {toDelete?.type === "dir"
            ? "The folder and everything in it will be removed."
            : "The file will be removed."}{" "}
          This cannot be undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}
