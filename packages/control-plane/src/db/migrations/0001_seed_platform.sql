-- The platform team owns the templates every team can use; its id is PLATFORM_TEAM_UUID
-- (@wrenn/shared) and the base template's is BASE_TEMPLATE_UUID (src/db/platform.ts).
INSERT INTO "teams" ("id", "slug", "name")
VALUES ('00000000-0000-0000-0000-000000000000', '000000000000', 'Wrenn platform')
ON CONFLICT DO NOTHING;
--> statement-breakpoint
INSERT INTO "templates" ("id", "team_id", "name", "type")
VALUES ('00000000-0000-0000-0000-000000000001', '00000000-0000-0000-0000-000000000000', 'base', 'base')
ON CONFLICT DO NOTHING;
