import { useState } from "react";
import { ApiError, describeError } from "../../api/errors.js";
import type { Member, Team, TeamRole } from "../../api/types.js";
import { Button } from "../../components/button.js";
import { ConfirmDialog } from "../../components/confirm-dialog.js";
import { type Column, DataTable } from "../../components/data-table.js";
import { FormError, SelectField, TextField } from "../../components/field.js";
import { Loading, QueryError, Section } from "../../components/page.js";
import { useToast } from "../../components/toasts.js";
import { formatDateTime } from "../../lib/format.js";
import { useMemberMutations, useMembers } from "./queries.js";

const ROLES: TeamRole[] = ["member", "admin", "owner"];

/** The server's 404 names the missing user; say what to do about it. */
function addError(error: unknown, email: string | undefined): string {
  if (error instanceof ApiError && error.status === 404 && email) {
    return `No Wrenn account uses ${email}. Ask them to sign up first, then add them here.`;
  }
  return describeError(error);
}

export function MembersSection({ team, userId }: { team: Team; userId: string }) {
  const members = useMembers(team.id);
  const { add, changeRole, remove } = useMemberMutations(team.id);
  const toast = useToast();
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<TeamRole>("member");
  const [toRemove, setToRemove] = useState<Member | null>(null);
  const canManage = team.role === "owner" || team.role === "admin";
  const isOwner = team.role === "owner";
  // Only an owner grants or touches the owner role.
  const assignable = ROLES.filter((r) => isOwner || r !== "owner");

  const columns: Column<Member>[] = [
    {
      header: "Member",
      cell: (m) => (
        <div className="min-w-0">
          <div className="font-medium">
            {m.name || m.email}
            {m.userId === userId && <span className="ml-1 text-xs text-muted">(you)</span>}
          </div>
          {m.name && <div className="text-xs text-muted">{m.email}</div>}
        </div>
      ),
    },
    {
      header: "Role",
      cell: (m) =>
        canManage && m.userId !== userId && (isOwner || m.role !== "owner") ? (
          <select
            aria-label={`Role of ${m.email}`}
            className="h-7 rounded-md border border-line bg-surface px-1 text-xs"
            value={m.role}
            disabled={changeRole.isPending}
            onChange={(event) =>
              changeRole.mutate(
                { userId: m.userId, role: event.target.value as TeamRole },
                {
                  onSuccess: (updated) => toast.success(`${updated.email} is now ${updated.role}.`),
                  onError: (error) => toast.error(describeError(error)),
                },
              )
            }
          >
            {assignable.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        ) : (
          <span className="capitalize">{m.role}</span>
        ),
    },
    { header: "Joined", className: "max-md:hidden", cell: (m) => formatDateTime(m.joinedAt) },
    {
      header: "Actions",
      bareOnPhone: true,
      className: "text-right",
      cell: (m) =>
        canManage && m.userId !== userId && (isOwner || m.role !== "owner") ? (
          <Button
            size="sm"
            variant="danger"
            onClick={() => setToRemove(m)}
            aria-label={`Remove ${m.email}`}
          >
            Remove
          </Button>
        ) : null,
    },
  ];

  return (
    <Section title="Members">
      {members.isPending ? (
        <Loading label="Loading members" />
      ) : members.error ? (
        <QueryError error={members.error} retry={() => void members.refetch()} />
      ) : (
        <DataTable
          caption={`Members of ${team.name}`}
          columns={columns}
          rows={members.data}
          rowKey={(m) => m.userId}
          empty={<p className="text-sm text-muted">No members.</p>}
        />
      )}
      {canManage ? (
        <form
          className="mt-3 flex flex-wrap items-end gap-2"
          onSubmit={(event) => {
            event.preventDefault();
            add.mutate(
              { email: email.trim(), role },
              {
                onSuccess: (member) => {
                  toast.success(`Added ${member.email} as ${member.role}.`);
                  setEmail("");
                },
              },
            );
          }}
        >
          <TextField
            label="Add by email"
            type="email"
            required
            placeholder="teammate@example.com"
            value={email}
            onChange={(event) => setEmail(event.target.value)}
            containerClassName="min-w-56 flex-1"
            hint="They need a Wrenn account first."
          />
          <SelectField
            label="Role"
            value={role}
            onChange={(event) => setRole(event.target.value as TeamRole)}
            containerClassName="w-32 self-start"
          >
            {assignable.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </SelectField>
          <Button type="submit" variant="primary" busy={add.isPending} className="mb-5">
            Add member
          </Button>
          <div className="w-full">
            <FormError error={add.error ? addError(add.error, add.variables?.email) : null} />
          </div>
        </form>
      ) : (
        <p className="mt-2 text-xs text-muted">Only admins and owners can change members.</p>
      )}
      <ConfirmDialog
        open={toRemove !== null}
        onClose={() => setToRemove(null)}
        title={`Remove ${toRemove?.email ?? ""}?`}
        confirmLabel="Remove member"
        onConfirm={async () => {
          if (!toRemove) return;
          await remove.mutateAsync(toRemove.userId);
          toast.success(`Removed ${toRemove.email}.`);
        }}
      >
        <p>They lose access to this team's sandboxes, templates and keys.</p>
      </ConfirmDialog>
    </Section>
  );
}
