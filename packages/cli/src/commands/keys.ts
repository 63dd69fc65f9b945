import type { Command } from "commander";
import { type Runtime, runCommand, withCommonOptions } from "../context.js";
import { CliError } from "../errors.js";
import { type Column, formatRelative } from "../output.js";
import { type ApiKeyView, asApiKey, asArray, asCreatedApiKey } from "../views.js";

function keyColumns(now: Date): Column<ApiKeyView>[] {
  return [
    { header: "ID", cell: (k) => k.id },
    { header: "NAME", cell: (k) => k.name },
    { header: "PREFIX", cell: (k) => k.prefix },
    { header: "CREATED", cell: (k) => formatRelative(k.createdAt, now) },
    { header: "LAST USED", cell: (k) => formatRelative(k.lastUsedAt, now) },
  ];
}

/** The server refuses key management to API keys; say how to get a user session. */
function withSignInHint(error: unknown, usedApiKey: boolean): unknown {
  if (!(error instanceof CliError) || error.status !== 403 || !usedApiKey) return error;
  return new CliError(`${error.message} (run \`wrenn login --email <you>\` first)`, {
    exitCode: error.exitCode,
    status: 403,
    ...(error.errorCode !== null && { errorCode: error.errorCode }),
  });
}

export function registerKeyCommands(program: Command, runtime: Runtime): void {
  const key = program.command("key").description("API keys of the team");

  withCommonOptions(
    key
      .command("create")
      .argument("<name>", "what the key is for")
      .description("create an API key; prints its secret, shown this once"),
  ).action((name: string, _options: unknown, command: Command) =>
    runCommand(runtime, command, async (context) => {
      const created = asCreatedApiKey(
        await context.api.json("POST", "/v1/keys", { body: { name } }).catch((error: unknown) => {
          throw withSignInHint(error, context.config.apiKey !== null);
        }),
      );
      if (context.output.json) context.output.printJson(created);
      else {
        context.output.write(`${created.key}\n`);
        context.output.note(`key ${created.id} created; the secret above is not shown again`);
      }
      return 0;
    }),
  );

  withCommonOptions(
    key.command("list").alias("ls").description("the team's API keys (never their secrets)"),
  ).action((_options: unknown, command: Command) =>
    runCommand(runtime, command, async (context) => {
      const keys = asArray(await context.api.json("GET", "/v1/keys"), asApiKey);
      if (context.output.json) context.output.printJson(keys);
      else context.output.printTable(keyColumns(new Date()), keys);
      return 0;
    }),
  );

  withCommonOptions(
    key
      .command("delete")
      .alias("rm")
      .argument("<keyIds...>", "key ids (key-…)")
      .description("delete API keys; they stop working at once"),
  ).action((ids: string[], _options: unknown, command: Command) =>
    runCommand(runtime, command, async (context) => {
      for (const id of ids) {
        await context.api
          .json("DELETE", `/v1/keys/${encodeURIComponent(id)}`)
          .catch((error: unknown) => {
            throw withSignInHint(error, context.config.apiKey !== null);
          });
      }
      if (context.output.json) context.output.printJson({ deleted: ids });
      else context.output.write(ids.map((id) => `deleted ${id}\n`).join(""));
      return 0;
    }),
  );
}
