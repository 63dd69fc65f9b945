import { useQueryClient } from "@tanstack/react-query";
import { useCallback, useRef, useState } from "react";
import { describeError } from "../../api/errors.js";
import { useApi } from "../../app-context.js";
import { filesKey, joinPath } from "./queries.js";

export interface Upload {
  id: number;
  name: string;
  loadedBytes: number;
  totalBytes: number;
  status: "uploading" | "done" | "failed" | "cancelled";
  error?: string;
}

/** Uploads with progress, several at once, each cancellable; finished ones can be cleared. */
export function useUploads(sandboxId: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  const [uploads, setUploads] = useState<Upload[]>([]);
  const controllers = useRef(new Map<number, AbortController>());
  const nextId = useRef(1);

  const patch = useCallback((id: number, change: Partial<Upload>) => {
    setUploads((list) => list.map((u) => (u.id === id ? { ...u, ...change } : u)));
  }, []);

  const start = useCallback(
    (directory: string, files: Iterable<File>) => {
      for (const file of files) {
        const id = nextId.current++;
        const controller = new AbortController();
        controllers.current.set(id, controller);
        setUploads((list) => [
          ...list,
          { id, name: file.name, loadedBytes: 0, totalBytes: file.size, status: "uploading" },
        ]);
        api
          .upload(
            `/v1/sandboxes/${sandboxId}/files`,
            { path: joinPath(directory, file.name) },
            file,
            {
              signal: controller.signal,
              onProgress: (loadedBytes, totalBytes) => patch(id, { loadedBytes, totalBytes }),
            },
          )
          .then(
            () => patch(id, { status: "done", loadedBytes: file.size }),
            (error: unknown) =>
              controller.signal.aborted
                ? patch(id, { status: "cancelled" })
                : patch(id, { status: "failed", error: describeError(error) }),
          )
          .finally(() => {
            controllers.current.delete(id);
            void queryClient.invalidateQueries({ queryKey: filesKey(sandboxId, directory) });
          });
      }
    },
    [api, patch, queryClient, sandboxId],
  );

  const cancel = useCallback((id: number) => controllers.current.get(id)?.abort(), []);
  const clearFinished = useCallback(
    () => setUploads((list) => list.filter((u) => u.status === "uploading")),
    [],
  );

  return { uploads, start, cancel, clearFinished };
}
