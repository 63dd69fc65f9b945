import {
  createHashHistory,
  createRootRouteWithContext,
  createRoute,
  createRouter,
  Link,
  Outlet,
  redirect,
  useNavigate,
} from "@tanstack/react-router";
import { lazy, Suspense } from "react";
import type { SessionStore } from "../api/session-store.js";
import { Loading } from "../components/page.js";
import { AuthForm, safeRedirect } from "../features/auth/auth-form.js";
import { KeysPage } from "../features/keys/keys-page.js";
import { DETAIL_TABS, type DetailTab } from "../features/sandboxes/detail-tabs.js";
import { SandboxesPage } from "../features/sandboxes/sandboxes-page.js";
import { TeamPage } from "../features/team/team-page.js";
import { TemplatesPage } from "../features/templates/templates-page.js";
import { AppLayout } from "./app-layout.js";

/*
 * Hash routes (/#/sandboxes/…): the API owns real paths like /sandboxes and /v1, so the server
 * serves only / and /assets/* for the dashboard.
 */

// The terminal (xterm) and the charts (recharts) are most of the code: loaded on first use.
const SandboxDetailPage = lazy(async () => ({
  default: (await import("../features/sandboxes/sandbox-detail-page.js")).SandboxDetailPage,
}));

export interface RouterContext {
  session: SessionStore;
}

interface AuthSearch {
  redirect?: string;
}

function authSearch(search: Record<string, unknown>): AuthSearch {
  return typeof search.redirect === "string" ? { redirect: search.redirect } : {};
}

interface DetailSearch {
  tab?: DetailTab;
  path?: string;
}

function detailSearch(search: Record<string, unknown>): DetailSearch {
  const tab = DETAIL_TABS.find((t) => t === search.tab);
  const path = search.path;
  return {
    ...(tab && { tab }),
    ...(typeof path === "string" && path.startsWith("/") && { path }),
  };
}

function NotFound() {
  return (
    <main className="mx-auto max-w-md p-8 text-center">
      <h1 className="mb-2 text-lg font-semibold">Page not found</h1>
      <Link to="/sandboxes" className="text-accent hover:underline">
        Go to sandboxes
      </Link>
    </main>
  );
}

/** Someone already signed in who opens the login or signup page goes where they were headed. */
function skipWhenSignedIn({ context, search }: { context: RouterContext; search: AuthSearch }) {
  if (context.session.get()) throw redirect({ to: safeRedirect(search.redirect) });
}

const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: Outlet,
  notFoundComponent: NotFound,
});

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/login",
  validateSearch: authSearch,
  beforeLoad: skipWhenSignedIn,
  component: function LoginRoute() {
    return <AuthForm mode="login" redirect={loginRoute.useSearch().redirect} />;
  },
});

const signupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/signup",
  validateSearch: authSearch,
  beforeLoad: skipWhenSignedIn,
  component: function SignupRoute() {
    return <AuthForm mode="signup" redirect={signupRoute.useSearch().redirect} />;
  },
});

/** Everything else needs a session; the layout also leaves when the session ends later. */
const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "app",
  beforeLoad: ({ context, location }) => {
    if (!context.session.get()) {
      throw redirect({ to: "/login", search: { redirect: location.pathname } });
    }
  },
  component: AppLayout,
});

const indexRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/",
  beforeLoad: ({ context }) => {
    throw redirect({ to: context.session.get() ? "/sandboxes" : "/login" });
  },
});

const sandboxesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/sandboxes",
  component: SandboxesPage,
});

const sandboxRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/sandboxes/$id",
  validateSearch: detailSearch,
  component: function SandboxRoute() {
    const { id } = sandboxRoute.useParams();
    const search = sandboxRoute.useSearch();
    const navigate = useNavigate();
    return (
      <Suspense fallback={<Loading label="Loading" />}>
        <SandboxDetailPage
          key={id}
          id={id}
          tab={search.tab ?? "terminal"}
          path={search.path ?? "/home/user"}
          onChange={(next) =>
            void navigate({
              to: "/sandboxes/$id",
              params: { id },
              search: { ...search, ...next },
              replace: true,
            })
          }
        />
      </Suspense>
    );
  },
});

const templatesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/templates",
  component: TemplatesPage,
});

const keysRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/keys",
  component: KeysPage,
});

const teamRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/team",
  component: TeamPage,
});

const routeTree = rootRoute.addChildren([
  loginRoute,
  signupRoute,
  appRoute.addChildren([
    indexRoute,
    sandboxesRoute,
    sandboxRoute,
    templatesRoute,
    keysRoute,
    teamRoute,
  ]),
]);

export function createAppRouter(session: SessionStore) {
  return createRouter({
    routeTree,
    context: { session },
    history: createHashHistory(),
    defaultPreload: "intent",
  });
}

declare module "@tanstack/react-router" {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
