import { Link, Outlet, useLocation, useNavigate } from "@tanstack/react-router";
import { useEffect, useRef } from "react";
import { describeError } from "../api/errors.js";
import { useSession } from "../app-context.js";
import { Button } from "../components/button.js";
import { useToast } from "../components/toasts.js";
import { Logo } from "../features/auth/auth-form.js";
import { useLogout, useMe, useSwitchTeam } from "../features/auth/queries.js";

const NAV = [
  { to: "/sandboxes", label: "Sandboxes" },
  { to: "/templates", label: "Templates" },
  { to: "/keys", label: "API keys" },
  { to: "/team", label: "Team" },
] as const;

const TITLES: Record<string, string> = {
  sandboxes: "Sandboxes",
  templates: "Templates",
  keys: "API keys",
  team: "Team",
};

function TeamSwitcher() {
  const me = useMe();
  const switchTeam = useSwitchTeam();
  const toast = useToast();
  const teams = me.data?.teams ?? [];
  if (teams.length === 0) return null;
  return (
    <label className="flex items-center gap-1.5 text-xs text-muted">
      Team
      <select
        className="h-7 max-w-44 rounded-md border border-line bg-surface px-1 text-sm text-ink"
        value={me.data?.currentTeamId ?? ""}
        disabled={switchTeam.isPending}
        onChange={(event) =>
          switchTeam.mutate(event.target.value, {
            onSuccess: (session) =>
              toast.info(`Now working in ${session.team?.name ?? "the team"}.`),
            onError: (error) => toast.error(describeError(error)),
          })
        }
      >
        {me.data?.currentTeamId === null && <option value="">No team</option>}
        {teams.map((team) => (
          <option key={team.id} value={team.id}>
            {team.name}
          </option>
        ))}
      </select>
    </label>
  );
}

/** Everything behind sign-in: header (nav, team, account) and the page. */
export function AppLayout() {
  const session = useSession();
  const location = useLocation();
  const me = useMe();
  const logout = useLogout();
  const navigate = useNavigate();
  const mainRef = useRef<HTMLElement>(null);
  const section = location.pathname.split("/")[1] ?? "";
  // Read when the session ends, not a reason to navigate again when the path changes.
  const pathRef = useRef(location.pathname);
  pathRef.current = location.pathname;

  // Signed out while here (log out, a 401, another tab): back to the login page, once.
  useEffect(() => {
    if (!session) {
      void navigate({ to: "/login", search: { redirect: pathRef.current }, replace: true });
    }
  }, [session, navigate]);

  // A new page: say so (title) and put keyboard focus at its start, as a page load would.
  useEffect(() => {
    document.title = `${TITLES[section] ?? "Wrenn"} · Wrenn`;
    mainRef.current?.focus({ preventScroll: true });
  }, [section]);

  if (!session) return null;

  return (
    <div className="min-h-screen">
      <a
        href="#main"
        className="sr-only focus:not-sr-only focus:fixed focus:top-2 focus:left-2 focus:z-50 focus:rounded focus:bg-surface focus:p-2"
      >
        Skip to content
      </a>
      <header className="sticky top-0 z-30 border-b border-line bg-surface/95 backdrop-blur">
        <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-1 px-4 py-2">
          <Link to="/sandboxes" className="flex items-center gap-2 font-semibold">
            <Logo />
            Wrenn
          </Link>
          <nav aria-label="Main" className="order-3 w-full overflow-x-auto sm:order-none sm:w-auto">
            <ul className="flex gap-1">
              {NAV.map((item) => (
                <li key={item.to}>
                  <Link
                    to={item.to}
                    className="block rounded-md px-2.5 py-1.5 text-sm text-muted hover:bg-raised hover:text-ink"
                    activeProps={{
                      className: "bg-raised font-medium text-ink",
                      "aria-current": "page",
                    }}
                  >
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div className="ml-auto flex items-center gap-3">
            <TeamSwitcher />
            <span className="hidden text-xs text-muted md:inline" title={me.data?.user.email}>
              {me.data?.user.email}
            </span>
            <Button size="sm" variant="ghost" onClick={logout}>
              Log out
            </Button>
          </div>
        </div>
      </header>
      <main
        id="main"
        ref={mainRef}
        tabIndex={-1}
        className="mx-auto max-w-7xl px-4 py-5 outline-none"
      >
        <Outlet />
      </main>
    </div>
  );
}
