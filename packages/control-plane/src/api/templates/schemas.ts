import { type Static, Type } from "typebox";
import type { Template } from "../../db/queries/templates.js";
import {
  SandboxIdSchema,
  TeamIdSchema,
  TemplateIdSchema,
  Timestamp,
  UserIdSchema,
} from "../schemas.js";

export const TemplateView = Type.Object({
  id: TemplateIdSchema,
  teamId: TeamIdSchema,
  name: Type.String({ description: "Use it (or the id) as templateId when creating a sandbox" }),
  type: Type.Union([Type.Literal("base"), Type.Literal("snapshot")]),
  isPlatform: Type.Boolean({ description: "Shared by every team" }),
  vcpus: Type.Union([Type.Integer(), Type.Null()], { description: "Fixed for snapshots" }),
  memoryMb: Type.Union([Type.Integer(), Type.Null()], { description: "Fixed for snapshots" }),
  sourceSandboxId: Type.Union([SandboxIdSchema, Type.Null()]),
  sizeBytes: Type.Union([Type.Integer(), Type.Null()]),
  createdBy: Type.Union([UserIdSchema, Type.Null()]),
  createdAt: Timestamp,
});
export type TemplateView = Static<typeof TemplateView>;

export function toTemplateView(t: Template): TemplateView {
  return {
    id: t.id,
    teamId: t.teamId,
    name: t.name,
    type: t.type,
    isPlatform: t.isPlatform,
    vcpus: t.vcpus,
    memoryMb: t.memoryMb,
    sourceSandboxId: t.sourceSandboxId,
    sizeBytes: t.sizeBytes,
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
  };
}

export const TemplateList = Type.Array(TemplateView);
