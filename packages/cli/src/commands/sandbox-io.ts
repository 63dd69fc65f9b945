import type { Command } from "commander";
import { collectKeyValue, parseCopyEndpoint, parsePositiveInt } from "../args.js";
import { type Context, type Runtime, runCommand, withCommonOptions } from "../context.js";
import { usageError } from "../errors.js";
import { type ExecRequest, execStreaming, execUnary, processExitCode } from "../remote-exec.js";
import { runShell } from "../terminal.js";
import { copy } from "../transfer.js";

interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  user?: string;
  timeout?: number;
  stdin?: boolean;
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

async function exec(
  context: Context,
  input: { id: string; argv: string[]; options: ExecOptions },
): Promise<number> {
  const { runtime, api, output } = context;
  const [cmd, ...args] = input.argv;
  if (cmd === undefined)
    throw usageError("name the command to run: wrenn sandbox exec <id> -- <cmd> [args…]");
  const { options } = input;
  const request: ExecRequest = {
    cmd,
    args,
    ...(options.cwd !== undefined && { cwd: options.cwd }),
    ...(options.env !== undefined && { envs: options.env }),
    ...(options.user !== undefined && { user: options.user }),
    ...(options.timeout !== undefined && { timeoutMs: options.timeout * 1000 }),
    ...(options.stdin && { stdin: await readAll(runtime.stdin) }),
  };
  // --json wants the whole output as one document: the unary route gives exactly that.
  if (output.json) {
    const result = await execUnary({ api, sandboxId: input.id, request });
    output.printJson({
      exitCode: result.exitCode,
      stdout: result.stdout,
      stderr: result.stderr,
      // Set for any non-zero exit ("exit status 3"); news only when it never exited.
      ...(result.exitCode < 0 && { error: result.error }),
    });
    return processExitCode(result.exitCode);
  }
  const outcome = await execStreaming({
    api,
    sandboxId: input.id,
    request,
    stdout: runtime.stdout,
    stderr: runtime.stderr,
  });
  // Only when it did not exit by itself: a command's own failure speaks for itself on stderr.
  if (outcome.error !== "" && outcome.exitCode < 0) {
    runtime.stderr.write(`wrenn: ${outcome.error}\n`);
  }
  return processExitCode(outcome.exitCode);
}

export function registerSandboxIoCommands(sandbox: Command, runtime: Runtime): void {
  withCommonOptions(
    sandbox
      .command("exec")
      .argument("<id>", "sandbox id")
      .argument("<command...>", "the command and its arguments (after --)")
      .description(
        "run a command in a sandbox, streaming its output; exits with the command's exit code",
      )
      .option("--cwd <dir>", "working directory (default: the user's home)")
      .option("-e, --env <KEY=VALUE>", "environment variable (repeatable)", collectKeyValue)
      .option("-u, --user <user>", "user to run as (default: user)")
      .option("--timeout <seconds>", "kill the command after this long", parsePositiveInt)
      .option("--stdin", "send this program's stdin to the command (read whole first)")
      .usage("[options] <id> -- <command> [args…]"),
  ).action((id: string, argv: string[], options: ExecOptions, command: Command) =>
    runCommand(runtime, command, (context) => exec(context, { id, argv, options })),
  );

  withCommonOptions(
    sandbox
      .command("shell")
      .argument("<id>", "sandbox id")
      .description("open an interactive shell in a sandbox; exits with the shell's exit code")
      .option("-u, --user <user>", "user of the shell (default: user)")
      .option("--cwd <dir>", "working directory (default: the user's home)")
      .option("--pid <pid>", "reattach to a terminal started earlier", parsePositiveInt),
    { json: false },
  ).action((id: string, options: { user?: string; cwd?: string; pid?: number }, command: Command) =>
    runCommand(runtime, command, async (context) => {
      const exitCode = await runShell({
        api: context.api,
        sandboxId: id,
        stdin: runtime.stdin,
        stdout: runtime.stdout,
        ...options,
      });
      return processExitCode(exitCode);
    }),
  );

  withCommonOptions(
    sandbox
      .command("cp")
      .argument("<source>", "a local file (- for stdin) or <sandboxId>:<path>")
      .argument("<destination>", "a local path (- for stdout) or <sandboxId>:<path>")
      .description(
        "copy a file into or out of a sandbox (streamed); a destination ending in / is a directory",
      ),
  ).action((source: string, destination: string, _options: unknown, command: Command) =>
    runCommand(runtime, command, async (context) => {
      const spinner = context.output.spinner("copying");
      try {
        const result = await copy(
          {
            api: context.api,
            stdin: runtime.stdin,
            stdout: runtime.stdout,
            spinner,
            showsProgress: context.output.interactive,
          },
          parseCopyEndpoint(source),
          parseCopyEndpoint(destination),
        );
        spinner.succeed(`copied ${result.sizeBytes} bytes to ${result.to}`);
        // With - as destination stdout carries the file itself.
        if (context.output.json && result.to !== "-") context.output.printJson(result);
      } catch (error) {
        spinner.fail();
        throw error;
      }
      return 0;
    }),
  );
}
