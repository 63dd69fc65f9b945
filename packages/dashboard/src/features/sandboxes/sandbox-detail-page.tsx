import { Link } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { ApiError } from "../../api/errors.js";
import { Loading, PageHeader, QueryError } from "../../components/page.js";
import { StateBadge } from "../../components/state-badge.js";
import { Tabs, tabPanelProps } from "../../components/tabs.js";
import { FileBrowser } from "../files/file-browser.js";
import { MetricsCharts } from "../metrics/metrics-charts.js";
import { useMetricHistory } from "../metrics/use-metric-history.js";
import { ProcessList } from "../processes/process-list.js";
import { TerminalPanel } from "../terminal/terminal-panel.js";
import type { DetailTab } from "./detail-tabs.js";
import { useSandbox, useTemplates } from "./queries.js";
import { SandboxActions } from "./sandbox-actions.js";
import { SandboxFacts } from "./sandbox-facts.js";
import { StateAnnouncer } from "./state-announcer.js";
import { isLive } from "./states.js";

const TAB_ITEMS = [
  { key: "terminal", label: "Terminal" },
  { key: "files", label: "Files" },
  { key: "processes", label: "Processes" },
  { key: "metrics", label: "Metrics" },
] satisfies { key: DetailTab; label: string }[];

export function SandboxDetailPage({
  id,
  tab,
  path,
  onChange,
}: {
  id: string;
  tab: DetailTab;
  path: string;
  onChange: (search: { tab?: DetailTab; path?: string }) => void;
}) {
  const sandbox = useSandbox(id);
  const templates = useTemplates();
  const metrics = useMetricHistory(id, sandbox.data?.state === "running");
  // The terminal is mounted on first visit and kept (hidden) so its shell survives tab changes.
  const [terminalOpened, setTerminalOpened] = useState(tab === "terminal");
  useEffect(() => {
    if (tab === "terminal") setTerminalOpened(true);
  }, [tab]);

  if (sandbox.isPending) return <Loading label="Loading the sandbox" />;
  if (!sandbox.data) {
    const gone = sandbox.error instanceof ApiError && sandbox.error.status === 404;
    return (
      <>
        <PageHeader title={<span className="font-mono">{id}</span>} />
        {gone ? (
          <p className="text-sm">
            This sandbox does not exist in this team.{" "}
            <Link to="/sandboxes" className="text-accent hover:underline">
              Back to sandboxes
            </Link>
          </p>
        ) : (
          <QueryError error={sandbox.error} retry={() => void sandbox.refetch()} />
        )}
      </>
    );
  }

  const s = sandbox.data;
  const live = isLive(s.state);
  const ended = s.state === "stopped" || s.state === "stopping";
  const prefix = "sandbox";
  return (
    <>
      <nav aria-label="Breadcrumb" className="mb-1 text-xs">
        <Link to="/sandboxes" className="text-accent hover:underline">
          Sandboxes
        </Link>
        <span aria-hidden="true" className="text-muted">
          {" "}
          /
        </span>
      </nav>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-2">
            <span className="font-mono text-base">{s.id}</span>
            <StateBadge state={s.state} />
          </span>
        }
        subtitle={s.stateReason ?? undefined}
        actions={<SandboxActions sandbox={s} />}
      />
      <StateAnnouncer sandboxes={[s]} />
      {sandbox.error && <QueryError error={sandbox.error} />}
      <SandboxFacts sandbox={s} templates={templates.data} />
      {ended ? (
        <p className="mt-4 rounded-md border border-line bg-surface p-4 text-sm text-muted">
          This sandbox {s.state === "stopping" ? "is stopping" : "has stopped"}; its terminal and
          files are gone.
        </p>
      ) : (
        <div className="mt-4 flex flex-col gap-3">
          <Tabs
            label="Sandbox views"
            tabs={TAB_ITEMS}
            selected={tab}
            onSelect={(key) => onChange({ tab: key })}
            idPrefix={prefix}
          />
          <div {...tabPanelProps(prefix, "terminal", tab)}>
            {terminalOpened && <TerminalPanel sandboxId={s.id} live={live} />}
          </div>
          <div {...tabPanelProps(prefix, "files", tab)}>
            {tab === "files" && (
              <FileBrowser
                sandboxId={s.id}
                path={path}
                live={live}
                onNavigate={(next) => onChange({ tab: "files", path: next })}
              />
            )}
          </div>
          <div {...tabPanelProps(prefix, "processes", tab)}>
            {tab === "processes" && <ProcessList sandboxId={s.id} active={live} />}
          </div>
          <div {...tabPanelProps(prefix, "metrics", tab)}>
            {tab === "metrics" && <MetricsCharts history={metrics} live={live} />}
          </div>
        </div>
      )}
    </>
  );
}
