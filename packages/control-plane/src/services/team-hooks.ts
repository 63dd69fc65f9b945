import type { TeamId, UserId } from "@wrenn/shared";
import type { Logger } from "pino";

export interface TeamDeletedEvent {
  readonly teamId: TeamId;
  readonly deletedBy: UserId;
}

/** Cleanup after a team is soft-deleted, e.g. destroying its sandboxes. Should be idempotent. */
export type TeamDeletedHandler = (event: TeamDeletedEvent) => Promise<void>;

/**
 * Extension point for what other parts of the control plane must do when a team changes.
 * The sandboxes service registers `onTeamDeleted` to destroy the team's sandboxes.
 */
export interface TeamHooks {
  onTeamDeleted(handler: TeamDeletedHandler): void;
  /** Runs every handler, one after the other; a failing handler does not stop the rest. */
  runTeamDeleted(event: TeamDeletedEvent): Promise<void>;
}

export function createTeamHooks(log: Logger): TeamHooks {
  const deleted: TeamDeletedHandler[] = [];
  return {
    onTeamDeleted(handler) {
      deleted.push(handler);
    },
    async runTeamDeleted(event) {
      for (const handler of deleted) {
        try {
          await handler(event);
        } catch (error) {
          // The team is already gone for its users; what is left (sandboxes still running) needs
          // a human or the reconciler, so it is logged as an error and not thrown to the caller.
          log.error({ err: error, teamId: event.teamId }, "team-deleted cleanup failed");
        }
      }
    },
  };
}
