import { createContext, type ReactNode, useContext, useSyncExternalStore } from "react";
import type { ApiClient } from "./api/client.js";
import type { SessionStore, StoredSession } from "./api/session-store.js";

export interface AppServices {
  api: ApiClient;
  session: SessionStore;
}

const AppContext = createContext<AppServices | null>(null);

export function AppServicesProvider({
  services,
  children,
}: {
  services: AppServices;
  children: ReactNode;
}) {
  return <AppContext.Provider value={services}>{children}</AppContext.Provider>;
}

export function useServices(): AppServices {
  const services = useContext(AppContext);
  if (!services) throw new Error("useServices outside <AppServicesProvider>");
  return services;
}

export function useApi(): ApiClient {
  return useServices().api;
}

/** The stored session, re-rendering when it changes (sign in, sign out, a 401, another tab). */
export function useSession(): StoredSession | null {
  const { session } = useServices();
  return useSyncExternalStore(session.subscribe, session.get);
}
