import { ERROR_CODES, TEAM_ROLES } from "@wrenn/shared";
import { type Static, Type } from "typebox";

/*
 * Schemas shared by every resource. Inputs are closed (additionalProperties: false) so a typo
 * in a field name is a 400, not a silently ignored value.
 */

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const prefixedId = (prefix: string, description: string) =>
  Type.String({
    pattern: `^${prefix}${UUID}$`,
    description,
    examples: [`${prefix}${"0".repeat(8)}-0000-4000-8000-${"0".repeat(12)}`],
  });

export const UserIdSchema = prefixedId("usr-", "User id");
export const TeamIdSchema = prefixedId("team-", "Team id");
export const ApiKeyIdSchema = prefixedId("key-", "API key id");

export const HostIdSchema = prefixedId("host-", "Host id");
export const TemplateIdSchema = prefixedId("tpl-", "Template id");
export const SandboxIdSchema = Type.String({
  pattern: "^cl-[0-9a-z]{25}$",
  description: "Sandbox id: `cl-` and 25 base-36 digits",
  examples: ["cl-0123456789abcdefghijklmno"],
});

export const TeamRoleSchema = Type.Enum(TEAM_ROLES, { description: "owner > admin > member" });

export const Timestamp = Type.String({ format: "date-time" });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

/** Names people give to teams and keys: printable, no surrounding space, bounded. */
export const DisplayName = Type.String({ minLength: 1, maxLength: 100, pattern: "^\\S(.*\\S)?$" });

export const ERROR_SCHEMA_ID = "Error";

/** The E2B error body (code = the HTTP status, which several SDK branches test) plus our code. */
export const ErrorBody = Type.Object(
  {
    code: Type.Integer({ description: "The HTTP status, repeated" }),
    message: Type.String(),
    error_code: Type.Enum(ERROR_CODES),
  },
  { $id: ERROR_SCHEMA_ID, additionalProperties: false },
);
export type ErrorBody = Static<typeof ErrorBody>;

const ErrorRef = Type.Ref(ERROR_SCHEMA_ID);

/** Adds the error body to a route's responses, so OpenAPI documents it and it is serialised. */
export function withErrors<R extends Record<number, unknown>>(responses: R) {
  return { ...responses, "4xx": ErrorRef, "5xx": ErrorRef };
}

/** Bearer tokens and API keys travel in headers; documented here, read by api/auth-hook.ts. */
export const TeamHeader = Type.Object({
  "x-team-id": Type.Optional({ ...TeamIdSchema, description: "Team to act in (JWT sessions)" }),
});
