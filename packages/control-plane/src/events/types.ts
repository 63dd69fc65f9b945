import type { SandboxId, SandboxState, TeamId } from "@wrenn/shared";

/** Published after every successful sandbox status write (a `transition()` that matched). */
export interface SandboxStateEvent {
  readonly type: "sandbox.state";
  readonly sandboxId: SandboxId;
  readonly teamId: TeamId;
  /** null for the first event of a new sandbox. */
  readonly from: SandboxState | null;
  readonly to: SandboxState;
  readonly at: Date;
  /** Why, for `error` and `missing` (an agent error message, "host unreachable"). */
  readonly reason?: string;
}

/** Every event on the bus; add new kinds to this union. */
export type WrennEvent = SandboxStateEvent;
export type WrennEventType = WrennEvent["type"];
export type EventOfType<T extends WrennEventType> = Extract<WrennEvent, { type: T }>;
