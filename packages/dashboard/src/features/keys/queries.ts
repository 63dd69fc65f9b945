import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { ApiKey, CreatedApiKey } from "../../api/types.js";
import { useApi } from "../../app-context.js";

const keysKey = ["keys"] as const;

export function useApiKeys() {
  const api = useApi();
  return useQuery({ queryKey: keysKey, queryFn: () => api.get<ApiKey[]>("/v1/keys") });
}

export function useCreateApiKey() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) =>
      api.request<CreatedApiKey>("POST", "/v1/keys", { body: { name } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keysKey }),
  });
}

export function useDeleteApiKey() {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => api.request<null>("DELETE", `/v1/keys/${id}`),
    onSettled: () => queryClient.invalidateQueries({ queryKey: keysKey }),
  });
}
