import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { ProcessInfo } from "../../api/types.js";
import { useApi } from "../../app-context.js";
import { Button } from "../../components/button.js";
import { ConfirmDialog } from "../../components/confirm-dialog.js";
import { type Column, DataTable } from "../../components/data-table.js";
import { Loading, QueryError } from "../../components/page.js";
import { useToast } from "../../components/toasts.js";

const processesKey = (sandboxId: string) => ["processes", sandboxId] as const;

/** Processes started through envd (commands, terminals), refreshed every few seconds. */
export function ProcessList({ sandboxId, active }: { sandboxId: string; active: boolean }) {
  const api = useApi();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [toKill, setToKill] = useState<ProcessInfo | null>(null);
  const processes = useQuery({
    queryKey: processesKey(sandboxId),
    queryFn: async () =>
      (await api.get<{ processes: ProcessInfo[] }>(`/v1/sandboxes/${sandboxId}/processes`))
        .processes,
    enabled: active,
    refetchInterval: active ? 3000 : false,
  });
  const kill = useMutation({
    mutationFn: ({ pid, signal }: { pid: number; signal: "SIGKILL" | "SIGTERM" }) =>
      api.request<null>("DELETE", `/v1/sandboxes/${sandboxId}/processes/${pid}`, {
        query: { signal: signal === "SIGTERM" ? signal : undefined },
      }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: processesKey(sandboxId) }),
  });

  if (!active) {
    return (
      <p className="rounded-md border border-line bg-surface p-4 text-sm text-muted">
        Processes can be listed while the sandbox is running.
      </p>
    );
  }
  if (processes.isPending) return <Loading label="Listing processes" />;
  if (processes.error)
    return <QueryError error={processes.error} retry={() => void processes.refetch()} />;

  const columns: Column<ProcessInfo>[] = [
    { header: "PID", className: "tabular-nums", cell: (p) => p.pid },
    {
      header: "Command",
      cell: (p) => <code className="break-all text-xs">{[p.cmd, ...p.args].join(" ")}</code>,
    },
    {
      header: "Directory",
      className: "max-md:hidden",
      cell: (p) => <code className="text-xs">{p.cwd || "—"}</code>,
    },
    { header: "Tag", className: "max-md:hidden", cell: (p) => p.tag || "—" },
    {
      header: "Actions",
      bareOnPhone: true,
      className: "text-right",
      cell: (p) => (
        <div className="flex gap-1.5 sm:justify-end">
          <Button
            size="sm"
            onClick={() =>
              kill.mutate(
                { pid: p.pid, signal: "SIGTERM" },
                { onSuccess: () => toast.info(`Sent SIGTERM to ${p.pid}.`) },
              )
            }
            aria-label={`Stop process ${p.pid}`}
          >
            Stop
          </Button>
          <Button
            size="sm"
            variant="danger"
            onClick={() => setToKill(p)}
            aria-label={`Kill process ${p.pid}`}
          >
            Kill
          </Button>
        </div>
      ),
    },
  ];

  return (
    <>
      <DataTable
        caption="Running processes"
        columns={columns}
        rows={processes.data}
        rowKey={(p) => String(p.pid)}
        empty={
          <p className="text-sm text-muted">No processes started through the API are running.</p>
        }
      />
      <ConfirmDialog
        open={toKill !== null}
        onClose={() => setToKill(null)}
        title={`Kill process ${toKill?.pid ?? ""}?`}
        confirmLabel="Kill (SIGKILL)"
        onConfirm={async () => {
          if (!toKill) return;
          await kill.mutateAsync({ pid: toKill.pid, signal: "SIGKILL" });
          toast.success(`Killed process ${toKill.pid}.`);
        }}
      >
        <p>
          <code className="text-xs">{toKill ? [toKill.cmd, ...toKill.args].join(" ") : ""}</code>{" "}
          ends at once, without a chance to clean up.
        </p>
      </ConfirmDialog>
    </>
  );
}
