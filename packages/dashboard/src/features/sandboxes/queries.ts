import { replaceEqualDeep, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError } from "../../api/errors.js";
import type { CreateSandboxInput, Sandbox, SandboxList, Template } from "../../api/types.js";
import { useApi } from "../../app-context.js";
import { isTransient } from "./states.js";

export const sandboxesKey = ["sandboxes"] as const;
export const sandboxKey = (id: string) => ["sandbox", id] as const;
export const templatesKey = ["templates"] as const;

/** Fast while something is moving, so transient states show without a reload. */
const FAST_MS = 1000;
const SLOW_MS = 3000;

/**
 * A poll that left before an action's 202 may answer after it: keep whichever view of a
 * sandbox is newer (`updatedAt` moves on every write), so a state never steps backwards.
 */
export function newerSandbox(cached: Sandbox | undefined, fetched: Sandbox): Sandbox {
  if (cached && Date.parse(cached.updatedAt) > Date.parse(fetched.updatedAt)) return cached;
  return replaceEqualDeep(cached, fetched);
}

function keepNewerSandbox(cached: unknown, fetched: unknown): unknown {
  return newerSandbox(cached as Sandbox | undefined, fetched as Sandbox);
}

function keepNewerList(cached: unknown, fetched: unknown): unknown {
  const old = cached as SandboxList | undefined;
  const next = fetched as SandboxList;
  const byId = new Map(old?.sandboxes.map((s) => [s.id, s]));
  return replaceEqualDeep(old, {
    ...next,
    sandboxes: next.sandboxes.map((s) => newerSandbox(byId.get(s.id), s)),
  });
}

export function useSandboxes() {
  const api = useApi();
  return useQuery({
    queryKey: sandboxesKey,
    queryFn: () => api.get<SandboxList>("/v1/sandboxes", { limit: 200 }),
    structuralSharing: keepNewerList,
    refetchInterval: (query) =>
      query.state.data?.sandboxes.some((s) => isTransient(s.state)) ? FAST_MS : SLOW_MS,
  });
}

export function useSandbox(id: string) {
  const api = useApi();
  return useQuery({
    queryKey: sandboxKey(id),
    queryFn: () => api.get<Sandbox>(`/v1/sandboxes/${id}`),
    structuralSharing: keepNewerSandbox,
    refetchInterval: (query) => {
      const { data, error } = query.state;
      // Gone (another team's, or removed) stays gone; anything else may pass: keep asking.
      if (error instanceof ApiError && error.status === 404) return false;
      return data && isTransient(data.state) ? FAST_MS : SLOW_MS;
    },
  });
}

export function useTemplates() {
  const api = useApi();
  return useQuery({
    queryKey: templatesKey,
    queryFn: () => api.get<Template[]>("/v1/templates"),
    staleTime: 10_000,
  });
}

/** Puts an answer (202 with the new transient state) into the caches at once. */
function useApplySandbox() {
  const queryClient = useQueryClient();
  return (sandbox: Sandbox) => {
    queryClient.setQueryData(sandboxKey(sandbox.id), sandbox);
    queryClient.setQueryData<SandboxList>(sandboxesKey, (list) => {
      if (!list) return list;
      const known = list.sandboxes.some((s) => s.id === sandbox.id);
      return {
        ...list,
        sandboxes: known
          ? list.sandboxes.map((s) => (s.id === sandbox.id ? sandbox : s))
          : [sandbox, ...list.sandboxes],
      };
    });
    void queryClient.invalidateQueries({ queryKey: sandboxesKey });
  };
}

export function useCreateSandbox() {
  const api = useApi();
  const apply = useApplySandbox();
  return useMutation({
    mutationFn: (input: CreateSandboxInput) =>
      api.request<Sandbox>("POST", "/v1/sandboxes", { body: input }),
    onSuccess: apply,
  });
}

export type SandboxAction = "pause" | "resume" | "kill";

export function useSandboxAction() {
  const api = useApi();
  const apply = useApplySandbox();
  return useMutation({
    mutationFn: ({ id, action }: { id: string; action: SandboxAction }) =>
      action === "kill"
        ? api.request<Sandbox>("DELETE", `/v1/sandboxes/${id}`)
        : api.request<Sandbox>("POST", `/v1/sandboxes/${id}/${action}`, { body: {} }),
    onSuccess: apply,
  });
}

export function useSetTimeout() {
  const api = useApi();
  const apply = useApplySandbox();
  return useMutation({
    mutationFn: ({ id, timeoutMs }: { id: string; timeoutMs: number }) =>
      api.request<Sandbox>("POST", `/v1/sandboxes/${id}/timeout`, { body: { timeoutMs } }),
    onSuccess: apply,
  });
}

export function useCreateSnapshot() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: { sandboxId: string; name: string }) =>
      api.request<Template>("POST", "/v1/snapshots", { body }),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: templatesKey });
      void queryClient.invalidateQueries({ queryKey: sandboxesKey });
    },
  });
}

export function useDeleteSnapshot() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (templateId: string) => api.request<null>("DELETE", `/v1/snapshots/${templateId}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: templatesKey }),
  });
}
