import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Me, Session, Team } from "../../api/types.js";
import { useServices, useSession } from "../../app-context.js";

export const meKey = ["me"] as const;

export function useMe() {
  const { api } = useServices();
  const signedIn = useSession() !== null;
  return useQuery({
    queryKey: meKey,
    queryFn: () => api.get<Me>("/v1/me"),
    staleTime: 30_000,
    enabled: signedIn,
  });
}

/** The team the session acts in, with the caller's role in it. */
export function useCurrentTeam(): Team | null {
  const me = useMe().data;
  return me?.teams.find((team) => team.id === me.currentTeamId) ?? null;
}

/** Stores a new session and drops every cached answer of the previous one (user or team). */
function useAdoptSession() {
  const { session } = useServices();
  const queryClient = useQueryClient();
  return (signedIn: Session) => {
    queryClient.clear();
    session.set({ token: signedIn.token, expiresAt: signedIn.expiresAt });
  };
}

export function useLogin() {
  const { api } = useServices();
  const adopt = useAdoptSession();
  return useMutation({
    mutationFn: (body: { email: string; password: string }) =>
      api.request<Session>("POST", "/v1/auth/login", { body }),
    onSuccess: adopt,
  });
}

export function useSignup() {
  const { api } = useServices();
  const adopt = useAdoptSession();
  return useMutation({
    mutationFn: (body: { email: string; password: string; name?: string }) =>
      api.request<Session>("POST", "/v1/auth/signup", { body }),
    onSuccess: adopt,
  });
}

export function useSwitchTeam() {
  const { api } = useServices();
  const adopt = useAdoptSession();
  return useMutation({
    mutationFn: (teamId: string) =>
      api.request<Session>("POST", "/v1/auth/switch-team", { body: { teamId } }),
    onSuccess: adopt,
  });
}

/** `onCreated` is on the mutation: the switch re-renders the page, dropping mutate()'s callbacks. */
export function useCreateTeam(onCreated: (team: Team) => void) {
  const { api } = useServices();
  const switchTeam = useSwitchTeam();
  return useMutation({
    mutationFn: async (name: string) => {
      const team = await api.request<Team>("POST", "/v1/teams", { body: { name } });
      await switchTeam.mutateAsync(team.id);
      return team;
    },
    onSuccess: onCreated,
  });
}

export function useLogout() {
  const { session } = useServices();
  const queryClient = useQueryClient();
  return () => {
    session.clear();
    queryClient.clear();
  };
}
