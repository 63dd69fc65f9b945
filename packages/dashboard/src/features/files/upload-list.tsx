import { Button } from "../../components/button.js";
import { ProgressBar } from "../../components/progress-bar.js";
import { formatBytes } from "../../lib/format.js";
import type { Upload } from "./use-uploads.js";

const STATUS: Record<Upload["status"], string> = {
  uploading: "uploading",
  done: "uploaded",
  failed: "failed",
  cancelled: "cancelled",
};

export function UploadList({
  uploads,
  onCancel,
  onClear,
}: {
  uploads: Upload[];
  onCancel: (id: number) => void;
  onClear: () => void;
}) {
  if (uploads.length === 0) return null;
  const finished = uploads.some((u) => u.status !== "uploading");
  return (
    <section aria-label="Uploads" className="rounded-md border border-line bg-surface p-3">
      <div className="mb-2 flex items-center justify-between">
        <h3 className="text-xs font-semibold">Uploads</h3>
        {finished && (
          <Button size="sm" variant="ghost" onClick={onClear}>
            Clear finished
          </Button>
        )}
      </div>
      <ul className="flex flex-col gap-2">
        {uploads.map((upload) => (
          <li
            key={upload.id}
            data-upload-status={upload.status}
            className="flex flex-col gap-1 text-xs"
          >
            <div className="flex items-center justify-between gap-2">
              <span className="truncate font-medium">{upload.name}</span>
              <span
                className={`whitespace-nowrap ${upload.status === "failed" ? "text-bad" : "text-muted"}`}
              >
                {upload.status === "uploading"
                  ? `${formatBytes(upload.loadedBytes)} of ${formatBytes(upload.totalBytes)}`
                  : STATUS[upload.status]}
                {upload.error ? `: ${upload.error}` : ""}
              </span>
              {upload.status === "uploading" && (
                <Button
                  size="sm"
                  variant="ghost"
                  onClick={() => onCancel(upload.id)}
                  aria-label={`Cancel upload of ${upload.name}`}
                >
                  Cancel
                </Button>
              )}
            </div>
            {upload.status === "uploading" && (
              <ProgressBar
                label={`Upload of ${upload.name}`}
                value={upload.totalBytes ? upload.loadedBytes / upload.totalBytes : null}
              />
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
