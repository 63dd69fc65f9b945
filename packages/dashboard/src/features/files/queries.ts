import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { FileEntry } from "../../api/types.js";
import { useApi } from "../../app-context.js";

export const filesKey = (sandboxId: string, path: string) => ["files", sandboxId, path] as const;

export function useDirectory(sandboxId: string, path: string, enabled: boolean) {
  const api = useApi();
  return useQuery({
    queryKey: filesKey(sandboxId, path),
    queryFn: async () => {
      const answer = await api.get<{ entries: FileEntry[] }>(
        `/v1/sandboxes/${sandboxId}/files/list`,
        { path },
      );
      return [...answer.entries].sort(
        (a, b) =>
          Number(b.type === "dir") - Number(a.type === "dir") || a.name.localeCompare(b.name),
      );
    },
    enabled,
  });
}

function useRefreshDirectory(sandboxId: string, path: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: filesKey(sandboxId, path) });
}

export function useMakeDirectory(sandboxId: string, parent: string) {
  const api = useApi();
  const refresh = useRefreshDirectory(sandboxId, parent);
  return useMutation({
    mutationFn: (path: string) =>
      api.request<{ created: boolean }>("POST", `/v1/sandboxes/${sandboxId}/files/mkdir`, {
        body: { path },
      }),
    onSettled: refresh,
  });
}

export function useRemovePath(sandboxId: string, parent: string) {
  const api = useApi();
  const refresh = useRefreshDirectory(sandboxId, parent);
  return useMutation({
    mutationFn: (path: string) =>
      api.request<null>("DELETE", `/v1/sandboxes/${sandboxId}/files`, { query: { path } }),
    onSettled: refresh,
  });
}

/** posix join that keeps an absolute path absolute and collapses "a//b". */
export function joinPath(directory: string, name: string): string {
  return `${directory.replace(/\/+$/, "")}/${name}`.replace(/\/{2,}/g, "/");
}

export function parentOf(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  const cut = trimmed.lastIndexOf("/");
  return cut <= 0 ? "/" : trimmed.slice(0, cut);
}
