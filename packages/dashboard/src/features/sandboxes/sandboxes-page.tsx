import { useState } from "react";
import type { Sandbox, SandboxState } from "../../api/types.js";
import { Button } from "../../components/button.js";
import { Loading, PageHeader, QueryError } from "../../components/page.js";
import { useNow } from "../../lib/use-now.js";
import { CreateSandboxDialog } from "./create-sandbox-dialog.js";
import { useSandboxes, useTemplates } from "./queries.js";
import { SandboxTable } from "./sandbox-table.js";
import { StateAnnouncer } from "./state-announcer.js";

function summary(sandboxes: Sandbox[]): string {
  if (sandboxes.length === 0) return "None yet";
  const counts = new Map<SandboxState, number>();
  for (const s of sandboxes) counts.set(s.state, (counts.get(s.state) ?? 0) + 1);
  return [...counts].map(([state, n]) => `${n} ${state}`).join(" · ");
}

export function SandboxesPage() {
  const sandboxes = useSandboxes();
  const templates = useTemplates();
  const now = useNow();
  const [creating, setCreating] = useState(false);
  const list = sandboxes.data?.sandboxes;

  return (
    <>
      <PageHeader
        title="Sandboxes"
        subtitle={list ? summary(list) : " "}
        actions={
          <Button variant="primary" onClick={() => setCreating(true)}>
            New sandbox
          </Button>
        }
      />
      <StateAnnouncer sandboxes={list} />
      {sandboxes.isPending ? (
        <Loading label="Loading sandboxes" />
      ) : sandboxes.error && !list ? (
        <QueryError error={sandboxes.error} retry={() => void sandboxes.refetch()} />
      ) : (
        <>
          {sandboxes.error && <QueryError error={sandboxes.error} />}
          <SandboxTable
            sandboxes={list ?? []}
            templates={templates.data}
            nowMs={now}
            empty={
              <div className="flex flex-col items-center gap-3">
                <p className="text-sm text-muted">No sandboxes are running in this team.</p>
                <Button variant="primary" onClick={() => setCreating(true)}>
                  Create your first sandbox
                </Button>
              </div>
            }
          />
        </>
      )}
      <CreateSandboxDialog open={creating} onClose={() => setCreating(false)} />
    </>
  );
}
