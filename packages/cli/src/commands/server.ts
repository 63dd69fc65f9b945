import { spawn } from "node:child_process";
import { constants } from "node:os";
import { fileURLToPath } from "node:url";
import { CONTROL_PLANE_NODE_FLAGS } from "@wrenn/control-plane/node-flags";
import type { Command } from "commander";
import { type Runtime, reportError } from "../context.js";
import { CliError, EXIT, toCliError } from "../errors.js";

const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * The `main` beside a workspace package's entry point: dist/main.js when built, src/main.ts
 * when this CLI itself runs from source (the `source` export condition).
 */
export function programOf(packageName: "@wrenn/control-plane" | "@wrenn/agent"): string {
  const entry = fileURLToPath(import.meta.resolve(packageName));
  return entry.replace(/index\.(js|ts)$/, "main.$1");
}

/** scripts/host/setup.sh of the checkout, the same from src/commands/ and dist/commands/. */
export function setupScript(): string {
  return fileURLToPath(new URL("../../../../scripts/host/setup.sh", import.meta.url));
}

/**
 * Runs a program in its own process group with our stdout and stderr, forwards the signals we
 * get, and resolves with its exit code (128 + n when a signal ended it, as a shell reports it).
 * Its own group, so a Ctrl-C reaches it once, through us, instead of twice: the control plane
 * takes a second SIGINT as "exit without waiting".
 */
export function runProgram(options: { command: string; args: readonly string[] }): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(options.command, options.args, {
      stdio: ["ignore", "inherit", "inherit"],
      detached: true,
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    const done = () => {
      for (const signal of FORWARDED_SIGNALS) process.off(signal, forward);
    };
    child.once("error", (error) => {
      done();
      reject(
        new CliError(`cannot start ${options.command}: ${error.message}`, {
          exitCode: EXIT.failure,
        }),
      );
    });
    child.once("exit", (code, signal) => {
      done();
      resolve(code ?? 128 + (signal ? constants.signals[signal] : 0));
    });
  });
}

/**
 * Node with the same flags as this process, so a source checkout run through tsx works too,
 * plus the program's own.
 */
function runNodeProgram(
  runtime: Runtime,
  file: string,
  options: { nodeFlags?: readonly string[]; args?: readonly string[] } = {},
): Promise<void> {
  const { nodeFlags = [], args = [] } = options;
  return runProgram({
    command: process.execPath,
    args: [...process.execArgv, ...nodeFlags, file, ...args],
  }).then(
    (code) => runtime.setExitCode(code),
    (error: unknown) => reportError(runtime, toCliError(error), false),
  );
}

const SERVER_HELP = `
The server reads its configuration from the environment (see the README's table), e.g.:
  WRENN_DIR             data directory (default /var/lib/wrenn)
  WRENN_HOST/WRENN_PORT listen address (default 0.0.0.0:8080)
  DATABASE_URL          PostgreSQL; unset: the embedded database in WRENN_DIR
  WRENN_EMBEDDED_AGENT  false: API only, no host agent in this process
Its exit code is the server's. Needs root with the embedded agent (run \`wrenn setup\` first).`;

export function registerServerCommands(program: Command, runtime: Runtime): void {
  program
    .command("server")
    .description("run the control plane with its embedded host agent (what `npm start` runs)")
    .addHelpText("after", SERVER_HELP)
    .action(() =>
      runNodeProgram(runtime, programOf("@wrenn/control-plane"), {
        nodeFlags: CONTROL_PLANE_NODE_FLAGS,
      }),
    );

  program
    .command("agent")
    .description("run a host agent alone (its options follow; `wrenn agent --help` lists them)")
    .argument("[args...]", "the agent's own options")
    .helpOption(false)
    .passThroughOptions()
    .allowUnknownOption()
    .allowExcessArguments()
    .action((args: string[]) => runNodeProgram(runtime, programOf("@wrenn/agent"), { args }));

  program
    .command("setup")
    .description("prepare this machine for sandboxes: runc, iptables, the private CRIU (root)")
    .action(() =>
      runProgram({ command: "bash", args: [setupScript()] }).then(
        (code) => runtime.setExitCode(code),
        (error: unknown) => reportError(runtime, toCliError(error), false),
      ),
    );
}
