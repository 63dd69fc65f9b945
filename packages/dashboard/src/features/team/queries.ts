import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Me, Member, Team, TeamRole } from "../../api/types.js";
import { useApi } from "../../app-context.js";
import { meKey, useSwitchTeam } from "../auth/queries.js";

const membersKey = (teamId: string) => ["members", teamId] as const;

export function useMembers(teamId: string) {
  const api = useApi();
  return useQuery({
    queryKey: membersKey(teamId),
    queryFn: () => api.get<Member[]>(`/v1/teams/${teamId}/members`),
  });
}

export function useRenameTeam(teamId: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (name: string) =>
      api.request<Team>("PATCH", `/v1/teams/${teamId}`, { body: { name } }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: meKey }),
  });
}

/** Member changes: add by email, change role, remove. Each refreshes the member list. */
export function useMemberMutations(teamId: string) {
  const api = useApi();
  const queryClient = useQueryClient();
  const onSettled = () => queryClient.invalidateQueries({ queryKey: membersKey(teamId) });
  const base = `/v1/teams/${teamId}/members`;
  return {
    add: useMutation({
      mutationFn: (body: { email: string; role: TeamRole }) =>
        api.request<Member>("POST", base, { body }),
      onSettled,
    }),
    changeRole: useMutation({
      mutationFn: ({ userId, role }: { userId: string; role: TeamRole }) =>
        api.request<Member>("PATCH", `${base}/${userId}`, { body: { role } }),
      onSettled,
    }),
    remove: useMutation({
      mutationFn: (userId: string) => api.request<null>("DELETE", `${base}/${userId}`),
      onSettled,
    }),
  };
}

/**
 * Leaving or deleting the current team: afterwards the session moves to another team the
 * person belongs to, if any (the token still names the old one until then).
 */
export function useLeaveOrDeleteTeam(
  teamId: string,
  // On the mutation itself, not on mutate(): switching teams re-renders the page from scratch,
  // and mutate()'s callbacks do not run once their component has gone.
  onDone: (how: "leave" | "delete", next: Team | null) => void,
) {
  const api = useApi();
  const queryClient = useQueryClient();
  const switchTeam = useSwitchTeam();
  return useMutation({
    mutationFn: async (how: "leave" | "delete") => {
      if (how === "leave") await api.request<null>("POST", `/v1/teams/${teamId}/leave`);
      else await api.request<null>("DELETE", `/v1/teams/${teamId}`);
      const me = await api.get<Me>("/v1/me");
      const next = me.teams.find((team) => team.id !== teamId);
      if (next) await switchTeam.mutateAsync(next.id);
      else queryClient.setQueryData(meKey, { ...me, currentTeamId: null });
      return next ?? null;
    },
    onSuccess: (next, how) => onDone(how, next),
  });
}
