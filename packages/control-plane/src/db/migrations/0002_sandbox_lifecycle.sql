ALTER TABLE "sandboxes" DROP CONSTRAINT "sandboxes_template_id_templates_id_fk";
--> statement-breakpoint
ALTER TABLE "sandboxes" ALTER COLUMN "template_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "sandboxes" ADD COLUMN "status_reason" text;--> statement-breakpoint
ALTER TABLE "sandboxes" ADD COLUMN "egress" jsonb DEFAULT '{"allowOut":[],"denyOut":[]}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "sandboxes" ADD COLUMN "token_generation" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "templates" ADD COLUMN "source_sandbox_id" uuid;--> statement-breakpoint
ALTER TABLE "templates" ADD COLUMN "size_bytes" bigint;--> statement-breakpoint
ALTER TABLE "sandboxes" ADD CONSTRAINT "sandboxes_template_id_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."templates"("id") ON DELETE set null ON UPDATE no action;