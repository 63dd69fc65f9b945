import { Link } from "@tanstack/react-router";
import type { Sandbox, Template } from "../../api/types.js";
import { type Column, DataTable } from "../../components/data-table.js";
import { StateBadge } from "../../components/state-badge.js";
import { formatAge, formatDuration, formatMemoryMb, shortId } from "../../lib/format.js";
import { SandboxActions } from "./sandbox-actions.js";

export function templateName(sandbox: Sandbox, templates: Template[] | undefined): string {
  if (!sandbox.templateId) return "deleted snapshot";
  return (
    templates?.find((t) => t.id === sandbox.templateId)?.name ?? shortId(sandbox.templateId, 12)
  );
}

export function timeLeft(sandbox: Sandbox, nowMs: number): string {
  if (sandbox.state === "paused") return "paused";
  if (!sandbox.endAt || sandbox.state === "stopped" || sandbox.state === "stopping") return "—";
  const left = Date.parse(sandbox.endAt) - nowMs;
  return left <= 0 ? "ending" : formatDuration(left);
}

export function SandboxTable({
  sandboxes,
  templates,
  nowMs,
  empty,
}: {
  sandboxes: Sandbox[];
  templates: Template[] | undefined;
  nowMs: number;
  empty: React.ReactNode;
}) {
  const columns: Column<Sandbox>[] = [
    {
      header: "Sandbox",
      cell: (s) => (
        <Link
          to="/sandboxes/$id"
          params={{ id: s.id }}
          className="font-mono text-xs text-accent hover:underline"
          title={s.id}
        >
          {s.id}
        </Link>
      ),
    },
    { header: "Status", cell: (s) => <StateBadge state={s.state} /> },
    { header: "Template", cell: (s) => templateName(s, templates) },
    {
      header: "Host",
      className: "max-lg:hidden",
      cell: (s) => (
        <span className="font-mono text-xs text-muted" title={s.hostId ?? undefined}>
          {s.hostId ? shortId(s.hostId, 13) : "—"}
        </span>
      ),
    },
    {
      header: "CPU / memory",
      cell: (s) => `${s.vcpus} vCPU · ${formatMemoryMb(s.memoryMb)}`,
    },
    { header: "Age", cell: (s) => formatAge(s.createdAt, nowMs) },
    { header: "Time left", cell: (s) => timeLeft(s, nowMs) },
    {
      header: "Actions",
      bareOnPhone: true,
      className: "text-right",
      cell: (s) => <SandboxActions sandbox={s} compact />,
    },
  ];
  return (
    <DataTable
      caption="Sandboxes"
      columns={columns}
      rows={sandboxes}
      rowKey={(s) => s.id}
      empty={empty}
    />
  );
}
