import type { ReactNode } from "react";
import type { Sandbox, Template } from "../../api/types.js";
import { formatDateTime, formatMemoryMb } from "../../lib/format.js";
import { useNow } from "../../lib/use-now.js";
import { templateName, timeLeft } from "./sandbox-table.js";

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-muted">{label}</dt>
      <dd className="truncate text-sm">{children}</dd>
    </div>
  );
}

export function SandboxFacts({
  sandbox,
  templates,
}: {
  sandbox: Sandbox;
  templates: Template[] | undefined;
}) {
  const now = useNow();
  const metadata = Object.entries(sandbox.metadata);
  return (
    <dl className="grid grid-cols-2 gap-x-4 gap-y-2 rounded-lg border border-line bg-surface p-3 sm:grid-cols-4">
      <Fact label="Template">{templateName(sandbox, templates)}</Fact>
      <Fact label="Size">
        {sandbox.vcpus} vCPU · {formatMemoryMb(sandbox.memoryMb)} ·{" "}
        {formatMemoryMb(sandbox.diskSizeMb)} disk
      </Fact>
      <Fact label="Host">
        <span className="font-mono text-xs" title={sandbox.hostId ?? undefined}>
          {sandbox.hostId ?? "—"}
        </span>
      </Fact>
      <Fact label="Time left">
        <span title={sandbox.endAt ? `Ends ${formatDateTime(sandbox.endAt)}` : undefined}>
          {timeLeft(sandbox, now)}
          {sandbox.autoPause ? " (then pauses)" : ""}
        </span>
      </Fact>
      <Fact label="Created">{formatDateTime(sandbox.createdAt)}</Fact>
      <Fact label="Started">{formatDateTime(sandbox.startedAt)}</Fact>
      <Fact label="Internet">{sandbox.allowInternetAccess ? "allowed" : "blocked"}</Fact>
      <Fact label="Metadata">
        {metadata.length ? metadata.map(([k, v]) => `${k}=${v}`).join(", ") : "—"}
      </Fact>
    </dl>
  );
}
