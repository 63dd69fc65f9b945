import type { Command } from "commander";
import type { ApiClient } from "../api-client.js";
import { collectKeyValue, collectString, parsePositiveInt } from "../args.js";
import { type Context, type Runtime, runCommand, withCommonOptions } from "../context.js";
import { type Column, formatDetails, formatRelative } from "../output.js";
import { getSandbox, waitForState } from "../sandbox-wait.js";
import { asArray, asSandbox, asSandboxPage, asTemplate, type SandboxView } from "../views.js";
import { registerSandboxIoCommands } from "./sandbox-io.js";

const WAIT_TIMEOUT_MS = 5 * 60_000;

/** Template id → name, so people see "base" rather than a UUID (human output only). */
async function templateNames(api: ApiClient): Promise<ReadonlyMap<string, string>> {
  const templates = asArray(await api.json("GET", "/v1/templates"), asTemplate);
  return new Map(templates.map((t) => [t.id, t.name]));
}

function templateLabel(s: SandboxView, names: ReadonlyMap<string, string>): string {
  if (s.templateId === null) return "-";
  return names.get(s.templateId) ?? s.templateId;
}

function sandboxColumns(now: Date, names: ReadonlyMap<string, string>): Column<SandboxView>[] {
  return [
    { header: "ID", cell: (s) => s.id },
    { header: "STATE", cell: (s) => s.state },
    { header: "TEMPLATE", cell: (s) => templateLabel(s, names) },
    { header: "VCPUS", cell: (s) => String(s.vcpus) },
    { header: "MEMORY", cell: (s) => `${s.memoryMb} MiB` },
    { header: "CREATED", cell: (s) => formatRelative(s.createdAt, now) },
    { header: "ENDS", cell: (s) => formatRelative(s.endAt, now) },
    {
      header: "METADATA",
      cell: (s) =>
        Object.entries(s.metadata)
          .map(([k, v]) => `${k}=${v}`)
          .join(",") || "-",
    },
  ];
}

function sandboxDetails(s: SandboxView, names: ReadonlyMap<string, string>): string {
  const metadata = Object.entries(s.metadata).map(([k, v]) => `${k}=${v}`);
  return formatDetails([
    ["id", s.id],
    ["state", s.stateReason ? `${s.state} (${s.stateReason})` : s.state],
    [
      "template",
      s.templateId && names.has(s.templateId)
        ? `${names.get(s.templateId)} (${s.templateId})`
        : templateLabel(s, names),
    ],
    ["vcpus", String(s.vcpus)],
    ["memory", `${s.memoryMb} MiB`],
    ["disk", `${s.diskSizeMb} MiB`],
    ["timeout", `${s.timeoutMs / 1000} s${s.autoPause ? " (then pause)" : ""}`],
    ["created", s.createdAt],
    ["started", s.startedAt ?? "-"],
    ["ends", s.endAt ?? "-"],
    ["metadata", metadata.length > 0 ? metadata.join(", ") : "-"],
  ]);
}

/** Prints the sandbox for humans (`human`, default its id) or whole with --json. */
function printSandbox(context: Context, sandbox: SandboxView, human?: string): void {
  if (context.output.json) context.output.printJson(sandbox);
  else context.output.write(`${human ?? sandbox.id}\n`);
}

interface CreateOptions {
  template?: string;
  vcpus?: number;
  memory?: number;
  disk?: number;
  timeout?: number;
  env?: Record<string, string>;
  metadata?: Record<string, string>;
  autoPause?: boolean;
  wait: boolean;
}

async function createSandbox(context: Context, options: CreateOptions): Promise<void> {
  const { api, output } = context;
  const spinner = output.spinner("creating sandbox");
  try {
    const created = asSandbox(
      await api.json("POST", "/v1/sandboxes", {
        body: {
          ...(options.template !== undefined && { templateId: options.template }),
          ...(options.vcpus !== undefined && { vcpus: options.vcpus }),
          ...(options.memory !== undefined && { memoryMb: options.memory }),
          ...(options.disk !== undefined && { diskSizeMb: options.disk }),
          ...(options.timeout !== undefined && { timeoutMs: options.timeout * 1000 }),
          ...(options.env !== undefined && { envVars: options.env }),
          ...(options.metadata !== undefined && { metadata: options.metadata }),
          ...(options.autoPause !== undefined && { autoPause: options.autoPause }),
        },
      }),
    );
    const sandbox = options.wait
      ? await waitForState({
          api,
          id: created.id,
          target: "running",
          timeoutMs: WAIT_TIMEOUT_MS,
          onState: (state) => spinner.update(`sandbox ${created.id}: ${state}`),
        })
      : created;
    spinner.succeed(`sandbox ${sandbox.id} ${sandbox.state}`);
    printSandbox(context, sandbox);
  } catch (error) {
    spinner.fail();
    throw error;
  }
}

interface ListOptions {
  status?: string[];
  metadata?: Record<string, string>;
  limit?: number;
}

/** Follows the cursor until the last page or `limit` sandboxes. */
async function listSandboxes(context: Context, options: ListOptions): Promise<void> {
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const sandboxes: SandboxView[] = [];
  let cursor: string | null = null;
  do {
    const page = asSandboxPage(
      await context.api.json("GET", "/v1/sandboxes", {
        query: {
          status: options.status,
          metadata: Object.entries(options.metadata ?? {}).map(([k, v]) => `${k}=${v}`),
          limit: Math.min(1000, limit - sandboxes.length),
          cursor: cursor ?? undefined,
        },
      }),
    );
    sandboxes.push(...page.sandboxes);
    cursor = page.nextCursor;
  } while (cursor !== null && sandboxes.length < limit);
  if (context.output.json) context.output.printJson(sandboxes);
  else {
    const names = await templateNames(context.api);
    context.output.printTable(sandboxColumns(new Date(), names), sandboxes);
  }
}

async function transition(
  context: Context,
  options: { id: string; action: "pause" | "resume"; target: string; wait: boolean; body?: object },
): Promise<void> {
  const { api, output } = context;
  const spinner = output.spinner(options.action === "pause" ? "pausing" : "resuming");
  try {
    const path = `/v1/sandboxes/${encodeURIComponent(options.id)}/${options.action}`;
    const answer = asSandbox(await api.json("POST", path, { body: options.body ?? {} }));
    const sandbox = options.wait
      ? await waitForState({
          api,
          id: options.id,
          target: options.target,
          timeoutMs: WAIT_TIMEOUT_MS,
        })
      : answer;
    spinner.succeed(`sandbox ${sandbox.id} ${sandbox.state}`);
    printSandbox(context, sandbox, sandbox.state);
  } catch (error) {
    spinner.fail();
    throw error;
  }
}

async function killSandboxes(context: Context, ids: string[], wait: boolean): Promise<void> {
  const { api, output } = context;
  const killed: SandboxView[] = [];
  for (const id of ids) {
    const spinner = output.spinner(`killing ${id}`);
    try {
      const answer = asSandbox(await api.json("DELETE", `/v1/sandboxes/${encodeURIComponent(id)}`));
      const sandbox = wait
        ? await waitForState({ api, id, target: "stopped", timeoutMs: WAIT_TIMEOUT_MS })
        : answer;
      spinner.succeed(`sandbox ${id} ${sandbox.state}`);
      killed.push(sandbox);
    } catch (error) {
      spinner.fail();
      throw error;
    }
  }
  if (output.json) output.printJson(ids.length === 1 ? killed[0] : killed);
  else for (const sandbox of killed) output.write(`${sandbox.id} ${sandbox.state}\n`);
}

export function registerSandboxCommands(program: Command, runtime: Runtime): void {
  const sandbox = program
    .command("sandbox")
    .alias("sb")
    .description("create, inspect, use and remove sandboxes");

  withCommonOptions(
    sandbox
      .command("create")
      .description("create a sandbox and wait until it runs; prints its id")
      .option("-t, --template <template>", "template id or name", undefined)
      .option("--vcpus <n>", "virtual CPUs", parsePositiveInt)
      .option("--memory <MiB>", "memory in MiB", parsePositiveInt)
      .option("--disk <MiB>", "writable disk size in MiB", parsePositiveInt)
      .option(
        "--timeout <seconds>",
        "killed (or paused) this long after it starts",
        parsePositiveInt,
      )
      .option("-e, --env <KEY=VALUE>", "default environment variable (repeatable)", collectKeyValue)
      .option("-m, --metadata <KEY=VALUE>", "metadata label (repeatable)", collectKeyValue)
      .option("--auto-pause", "pause instead of kill at the timeout")
      .option("--no-wait", "return at once, in state starting"),
  ).action((options: CreateOptions, command: Command) =>
    runCommand(runtime, command, (context) => createSandbox(context, options).then(() => 0)),
  );

  withCommonOptions(
    sandbox
      .command("list")
      .alias("ls")
      .description("list the team's sandboxes, newest first (stopped ones only with --status)")
      .option("-s, --status <states>", "states, comma-separated or repeated", collectString)
      .option(
        "-m, --metadata <KEY=VALUE>",
        "only sandboxes with this label (repeatable)",
        collectKeyValue,
      )
      .option("-n, --limit <n>", "at most this many", parsePositiveInt),
  ).action((options: ListOptions, command: Command) =>
    runCommand(runtime, command, (context) => listSandboxes(context, options).then(() => 0)),
  );

  withCommonOptions(
    sandbox.command("get").argument("<id>", "sandbox id").description("show one sandbox"),
  ).action((id: string, _options: unknown, command: Command) =>
    runCommand(runtime, command, async (context) => {
      const found = await getSandbox(context.api, id);
      if (context.output.json) context.output.printJson(found);
      else context.output.write(sandboxDetails(found, await templateNames(context.api)));
      return 0;
    }),
  );

  withCommonOptions(
    sandbox
      .command("pause")
      .argument("<id>", "sandbox id")
      .description("pause a running sandbox with its memory")
      .option("--no-wait", "return at once, in state pausing"),
  ).action((id: string, options: { wait: boolean }, command: Command) =>
    runCommand(runtime, command, (context) =>
      transition(context, { id, action: "pause", target: "paused", wait: options.wait }).then(
        () => 0,
      ),
    ),
  );

  withCommonOptions(
    sandbox
      .command("resume")
      .argument("<id>", "sandbox id")
      .description("resume a paused sandbox")
      .option("--timeout <seconds>", "new timeout, from now", parsePositiveInt)
      .option("--no-wait", "return at once, in state resuming"),
  ).action((id: string, options: { wait: boolean; timeout?: number }, command: Command) =>
    runCommand(runtime, command, (context) =>
      transition(context, {
        id,
        action: "resume",
        target: "running",
        wait: options.wait,
        body: options.timeout !== undefined ? { timeoutMs: options.timeout * 1000 } : {},
      }).then(() => 0),
    ),
  );

  withCommonOptions(
    sandbox
      .command("timeout")
      .argument("<id>", "sandbox id")
      .argument("<seconds>", "the sandbox now ends this long from now", parsePositiveInt)
      .description("set when a running sandbox ends"),
  ).action((id: string, seconds: number, _options: unknown, command: Command) =>
    runCommand(runtime, command, async (context) => {
      const path = `/v1/sandboxes/${encodeURIComponent(id)}/timeout`;
      const updated = asSandbox(
        await context.api.json("POST", path, { body: { timeoutMs: seconds * 1000 } }),
      );
      printSandbox(context, updated, `${updated.id} ends ${updated.endAt ?? "-"}`);
      return 0;
    }),
  );

  withCommonOptions(
    sandbox
      .command("kill")
      .alias("rm")
      .argument("<ids...>", "sandbox ids")
      .description("destroy sandboxes")
      .option("--no-wait", "return at once, in state stopping"),
  ).action((ids: string[], options: { wait: boolean }, command: Command) =>
    runCommand(runtime, command, (context) =>
      killSandboxes(context, ids, options.wait).then(() => 0),
    ),
  );

  registerSandboxIoCommands(sandbox, runtime);
}
