import { Command, CommanderError } from "commander";
import { registerKeyCommands } from "./commands/keys.js";
import { registerLoginCommand } from "./commands/login.js";
import { registerSandboxCommands } from "./commands/sandbox.js";
import { registerServerCommands } from "./commands/server.js";
import { registerSnapshotCommands, registerTemplateCommands } from "./commands/templates.js";
import type { Runtime } from "./context.js";
import { EXIT } from "./errors.js";

export const EXIT_CODES_HELP = `
Configuration: \`wrenn login\` stores the API URL and key in $XDG_CONFIG_HOME/wrenn/config.json
(~/.config by default); WRENN_API_URL and WRENN_API_KEY override it, --url and --api-key
override both.

Exit codes:
  0  success
  1  failure (server error, network, a sandbox that ended in error)
  2  usage error (bad arguments; also the server's 400)
  3  not found (404, or a missing local file)
  4  not authenticated or not allowed (401/403, no API key)
  5  conflict or invalid state (409, e.g. pausing a paused sandbox)
  sandbox exec and sandbox shell exit with the remote command's own code.

Errors are one line on stderr ("wrenn: …"); with --json, stdout also gets {"error": {…}}.`;

/** Builds the whole command tree; `wrenn --help` lists it. */
export function createProgram(runtime: Runtime, version: string): Command {
  const program = new Command("wrenn")
    .description("Wrenn: self-hosted sandboxes for untrusted code (E2B-compatible)")
    .version(version, "-V, --version")
    // Options belong to the command they follow, so `agent` can pass its own through.
    .enablePositionalOptions()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (text) => runtime.stdout.write(text),
      writeErr: (text) => runtime.stderr.write(text),
    })
    // Commander would exit with 1 on bad usage; scripts get 2 (see mapCommanderError).
    .exitOverride()
    .addHelpText("after", EXIT_CODES_HELP);
  registerServerCommands(program, runtime);
  registerLoginCommand(program, runtime);
  registerSandboxCommands(program, runtime);
  registerSnapshotCommands(program, runtime);
  registerTemplateCommands(program, runtime);
  registerKeyCommands(program, runtime);
  return program;
}

/** Help and --version end with 0; every other commander complaint is a usage error. */
export function exitCodeOfCommanderError(error: CommanderError): number {
  if (
    error.code === "commander.helpDisplayed" ||
    error.code === "commander.version" ||
    error.exitCode === 0
  ) {
    return EXIT.ok;
  }
  return EXIT.usage;
}

export async function runProgram(runtime: Runtime, argv: readonly string[], version: string) {
  const program = createProgram(runtime, version);
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    runtime.setExitCode(exitCodeOfCommanderError(error));
  }
}
