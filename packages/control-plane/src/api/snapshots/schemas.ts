import { Type } from "typebox";
import { SandboxIdSchema, TemplateIdSchema } from "../schemas.js";

export const CreateSnapshotBody = Type.Object(
  {
    sandboxId: SandboxIdSchema,
    name: Type.String({
      pattern: "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$",
      description: "Unique among the team's templates",
    }),
  },
  { additionalProperties: false },
);

export const ListSnapshotsQuery = Type.Object(
  { sandboxId: Type.Optional(SandboxIdSchema) },
  { additionalProperties: false },
);

export const SnapshotParams = Type.Object(
  { templateId: TemplateIdSchema },
  { additionalProperties: false },
);
