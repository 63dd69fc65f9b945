import type { Command } from "commander";
import { type Context, type Runtime, runCommand, withCommonOptions } from "../context.js";
import { type Column, formatBytes, formatRelative } from "../output.js";
import { asArray, asTemplate, type TemplateView } from "../views.js";

function templateColumns(now: Date): Column<TemplateView>[] {
  return [
    { header: "ID", cell: (t) => t.id },
    { header: "NAME", cell: (t) => t.name },
    { header: "TYPE", cell: (t) => (t.isPlatform ? `${t.type} (platform)` : t.type) },
    { header: "SIZE", cell: (t) => (t.sizeBytes === null ? "-" : formatBytes(t.sizeBytes)) },
    { header: "SOURCE", cell: (t) => t.sourceSandboxId ?? "-" },
    { header: "CREATED", cell: (t) => formatRelative(t.createdAt, now) },
  ];
}

function printTemplates(context: Context, templates: TemplateView[]): void {
  if (context.output.json) context.output.printJson(templates);
  else context.output.printTable(templateColumns(new Date()), templates);
}

export function registerTemplateCommands(program: Command, runtime: Runtime): void {
  const template = program.command("template").description("templates sandboxes start from");
  withCommonOptions(
    template.command("list").alias("ls").description("the team's templates and the platform's"),
  ).action((_options: unknown, command: Command) =>
    runCommand(runtime, command, async (context) => {
      printTemplates(context, asArray(await context.api.json("GET", "/v1/templates"), asTemplate));
      return 0;
    }),
  );
}

export function registerSnapshotCommands(program: Command, runtime: Runtime): void {
  const snapshot = program
    .command("snapshot")
    .description("snapshot templates: a sandbox's memory and files, to start new sandboxes from");

  withCommonOptions(
    snapshot
      .command("create")
      .argument("<sandboxId>", "the running or paused sandbox to snapshot")
      .argument("<name>", "template name, unique in the team ([A-Za-z0-9._-])")
      .description("snapshot a sandbox into a new template; prints the template id"),
  ).action((sandboxId: string, name: string, _options: unknown, command: Command) =>
    runCommand(runtime, command, async (context) => {
      const spinner = context.output.spinner(`snapshotting ${sandboxId}`);
      try {
        const created = asTemplate(
          await context.api.json("POST", "/v1/snapshots", { body: { sandboxId, name } }),
        );
        spinner.succeed(`snapshot ${created.name} (${created.id})`);
        if (context.output.json) context.output.printJson(created);
        else context.output.write(`${created.id}\n`);
      } catch (error) {
        spinner.fail();
        throw error;
      }
      return 0;
    }),
  );

  withCommonOptions(
    snapshot
      .command("list")
      .alias("ls")
      .description("the team's snapshot templates, newest first")
      .option("--sandbox <id>", "only snapshots of this sandbox"),
  ).action((options: { sandbox?: string }, command: Command) =>
    runCommand(runtime, command, async (context) => {
      const answer = await context.api.json("GET", "/v1/snapshots", {
        query: { sandboxId: options.sandbox },
      });
      printTemplates(context, asArray(answer, asTemplate));
      return 0;
    }),
  );

  withCommonOptions(
    snapshot
      .command("delete")
      .alias("rm")
      .argument("<templateIds...>", "snapshot template ids (tpl-…)")
      .description("delete snapshot templates"),
  ).action((ids: string[], _options: unknown, command: Command) =>
    runCommand(runtime, command, async (context) => {
      for (const id of ids) {
        await context.api.json("DELETE", `/v1/snapshots/${encodeURIComponent(id)}`);
      }
      if (context.output.json) context.output.printJson({ deleted: ids });
      else context.output.write(ids.map((id) => `deleted ${id}\n`).join(""));
      return 0;
    }),
  );
}
