import { useNavigate } from "@tanstack/react-router";
import { useEffect, useState } from "react";
import { describeError } from "../../api/errors.js";
import type { Team } from "../../api/types.js";
import { Button } from "../../components/button.js";
import { Dialog, DialogActions } from "../../components/dialog.js";
import { FormError, TextField } from "../../components/field.js";
import { Loading, PageHeader, QueryError, Section } from "../../components/page.js";
import { useToast } from "../../components/toasts.js";
import { useCreateTeam, useCurrentTeam, useMe } from "../auth/queries.js";
import { MembersSection } from "./members-section.js";
import { useLeaveOrDeleteTeam, useRenameTeam } from "./queries.js";

function RenameForm({ team }: { team: Team }) {
  const [name, setName] = useState(team.name);
  const rename = useRenameTeam(team.id);
  const toast = useToast();
  useEffect(() => setName(team.name), [team.name]);
  const canRename = team.role === "owner" || team.role === "admin";
  return (
    <form
      className="flex flex-wrap items-start gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        rename.mutate(name.trim(), {
          onSuccess: (renamed) => toast.success(`Team renamed to ${renamed.name}.`),
        });
      }}
    >
      <TextField
        label="Team name"
        required
        maxLength={100}
        disabled={!canRename}
        value={name}
        onChange={(event) => setName(event.target.value)}
        containerClassName="min-w-56 flex-1"
        hint={
          canRename
            ? `Slug ${team.slug} never changes.`
            : "Only admins and owners can rename the team."
        }
      />
      {canRename && (
        <Button
          type="submit"
          busy={rename.isPending}
          disabled={name.trim() === team.name}
          className="mt-5"
        >
          Rename
        </Button>
      )}
      <div className="w-full">
        <FormError error={rename.error ? describeError(rename.error) : null} />
      </div>
    </form>
  );
}

function DangerZone({ team }: { team: Team }) {
  const [dialog, setDialog] = useState<"leave" | "delete" | null>(null);
  const [typed, setTyped] = useState("");
  const toast = useToast();
  const navigate = useNavigate();
  const leaveOrDelete = useLeaveOrDeleteTeam(team.id, (how, next) => {
    const done = how === "leave" ? "Left" : "Deleted";
    toast.success(`${done} ${team.name}.${next ? ` Now working in ${next.name}.` : ""}`);
    void navigate({ to: next ? "/sandboxes" : "/team" });
  });
  const close = () => {
    setDialog(null);
    setTyped("");
    leaveOrDelete.reset();
  };
  const run = (how: "leave" | "delete") => leaveOrDelete.mutate(how);
  return (
    <Section title="Leave or delete">
      <div className="flex flex-col gap-3 rounded-lg border border-bad/40 bg-surface p-3 text-sm">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <p>Leave this team. The last owner cannot leave.</p>
          <Button variant="danger" onClick={() => setDialog("leave")}>
            Leave team
          </Button>
        </div>
        {team.role === "owner" && (
          <div className="flex flex-wrap items-center justify-between gap-2 border-t border-line pt-3">
            <p>Delete this team, its keys and templates. Its sandboxes are destroyed.</p>
            <Button variant="danger" onClick={() => setDialog("delete")}>
              Delete team
            </Button>
          </div>
        )}
      </div>
      <Dialog
        open={dialog !== null}
        onClose={close}
        title={dialog === "delete" ? `Delete ${team.name}?` : `Leave ${team.name}?`}
        locked={leaveOrDelete.isPending}
      >
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (dialog) run(dialog);
          }}
          className="flex flex-col gap-3 text-sm"
        >
          {dialog === "delete" ? (
            <>
              <p>
                Every sandbox of the team is destroyed and its API keys stop working. This cannot be
                undone.
              </p>
              <TextField
                label={`Type the team name (${team.name}) to confirm`}
                required
                value={typed}
                onChange={(event) => setTyped(event.target.value)}
                autoFocus
              />
            </>
          ) : (
            <p>
              You lose access to its sandboxes, templates and keys until someone adds you again.
            </p>
          )}
          <FormError error={leaveOrDelete.error ? describeError(leaveOrDelete.error) : null} />
          <DialogActions>
            <Button onClick={close} disabled={leaveOrDelete.isPending}>
              Cancel
            </Button>
            <Button
              type="submit"
              variant="danger"
              busy={leaveOrDelete.isPending}
              disabled={dialog === "delete" && typed !== team.name}
            >
              {dialog === "delete" ? "Delete team" : "Leave team"}
            </Button>
          </DialogActions>
        </form>
      </Dialog>
    </Section>
  );
}

export function CreateTeamForm() {
  const [name, setName] = useState("");
  const toast = useToast();
  const create = useCreateTeam((team) =>
    toast.success(`Created ${team.name}; you are now working in it.`),
  );
  return (
    <form
      className="flex flex-wrap items-start gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate(name.trim(), { onSuccess: () => setName("") });
      }}
    >
      <TextField
        label="New team name"
        required
        maxLength={100}
        value={name}
        onChange={(event) => setName(event.target.value)}
        containerClassName="min-w-56 flex-1"
      />
      <Button type="submit" busy={create.isPending} className="mt-5">
        Create team
      </Button>
      <div className="w-full">
        <FormError error={create.error ? describeError(create.error) : null} />
      </div>
    </form>
  );
}

export function TeamPage() {
  const me = useMe();
  const team = useCurrentTeam();
  if (me.isPending) return <Loading label="Loading your team" />;
  if (me.error) return <QueryError error={me.error} retry={() => void me.refetch()} />;
  if (!team) {
    return (
      <>
        <PageHeader
          title="No team"
          subtitle="You are not working in a team. Create one to start sandboxes."
        />
        <CreateTeamForm />
      </>
    );
  }
  return (
    <>
      <PageHeader title={team.name} subtitle={`Your role: ${team.role ?? "none"}`} />
      <Section title="Settings">
        <RenameForm team={team} />
      </Section>
      <MembersSection team={team} userId={me.data.user.id} />
      <Section title="Other teams">
        <p className="mb-2 text-sm text-muted">
          Switch teams from the menu at the top. Or start a new one:
        </p>
        <CreateTeamForm />
      </Section>
      <DangerZone team={team} />
    </>
  );
}
