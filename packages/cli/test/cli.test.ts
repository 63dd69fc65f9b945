import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RealServer, startRealServer } from "@wrenn/control-plane/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type CliRun, cliEnv, runCli, runCliInPty } from "./helpers/run-cli.js";

/*
 * Every subcommand of `wrenn`, run as a child process against the real control plane with its
 * embedded host agent and one real sandbox: human and --json output, and the exit codes.
 */

let server: RealServer;
let apiKey: string;
let work: string;
let sandboxId = "";

/** A config directory of its own per test group, so logins do not leak between them. */
async function freshConfigHome(): Promise<string> {
  return mkdtemp(join(work, "xdg-"));
}

/** `wrenn` with the team's key in the environment, as a script would run it. */
function wrenn(args: readonly string[], input?: string | Buffer): Promise<CliRun> {
  return runCli(args, {
    env: cliEnv({
      WRENN_API_URL: server.url,
      WRENN_API_KEY: apiKey,
      XDG_CONFIG_HOME: join(work, "xdg-default"),
    }),
    ...(input !== undefined && { input }),
  });
}

function json<T = Record<string, unknown>>(run: CliRun): T {
  return JSON.parse(run.stdout) as T;
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "wrenn-cli-test-"));
  server = await startRealServer();
  apiKey = await server.newTeamKey("cli");
});

afterAll(async () => {
  if (sandboxId) {
    await fetch(`${server.url}/v1/sandboxes/${sandboxId}`, {
      method: "DELETE",
      headers: { "x-api-key": apiKey },
    });
  }
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

// Independent runs go in parallel: each CLI start costs ~0.5 s (tsx), and the file should
// stay around a minute.
describe("help and usage", () => {
  it("documents the commands and the exit codes", async () => {
    const [run, exec, server, agent, setup] = await Promise.all([
      wrenn(["--help"]),
      wrenn(["sandbox", "exec", "--help"]),
      wrenn(["server", "--help"]),
      wrenn(["agent", "--help"]),
      wrenn(["setup", "--help"]),
    ]);
    expect(run.code).toBe(0);
    for (const word of ["server", "agent", "setup", "login", "sandbox", "snapshot", "template"]) {
      expect(run.stdout).toContain(word);
    }
    expect(run.stdout).toContain("Exit codes:");
    expect(exec).toMatchObject({ code: 0, stdout: expect.stringContaining("--cwd <dir>") });
    expect(server).toMatchObject({ code: 0, stdout: expect.stringContaining("WRENN_DIR") });
    // The agent's own help, passed through.
    expect(agent.code).toBe(0);
    expect(agent.stdout).toContain("Usage: wrenn-agent");
    expect(agent.stdout).toContain("--warm-slots");
    expect(setup).toMatchObject({ code: 0, stdout: expect.stringContaining("CRIU") });
  });

  it("exits with 2 on bad usage, before any request", async () => {
    const [unknown, badNumber, missing] = await Promise.all([
      wrenn(["sandbox", "frobnicate"]),
      wrenn(["sandbox", "create", "--vcpus", "two"]),
      wrenn(["sandbox", "get"]),
    ]);
    expect(unknown.code).toBe(2);
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain("positive whole number");
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe("");
  });
});

describe("login", () => {
  it("checks the key, then stores it with mode 0600 for later commands", async () => {
    const xdg = await freshConfigHome();
    const env = cliEnv({ XDG_CONFIG_HOME: xdg });
    const bad = await runCli(["login", "--url", server.url, "--api-key", "wrn_nope"], { env });
    expect(bad.code).toBe(4);
    expect(bad.stderr).toMatch(/^wrenn: .*API key/);
    await expect(stat(join(xdg, "wrenn", "config.json"))).rejects.toThrow(/ENOENT/);

    // The key read from stdin, as `echo $KEY | wrenn login` does.
    const good = await runCli(["login", "--url", server.url], { env, input: `${apiKey}\n` });
    expect(good.code).toBe(0);
    const file = join(xdg, "wrenn", "config.json");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({ url: server.url, apiKey });

    const list = await runCli(["template", "list", "--json"], { env });
    expect(list.code).toBe(0);
    expect(json<Array<{ name: string }>>(list).map((t) => t.name)).toContain("base");
  });

  it("signs in as a user, which API key management needs", async () => {
    const xdg = await freshConfigHome();
    const env = cliEnv({ XDG_CONFIG_HOME: xdg, WRENN_API_URL: server.url });
    const email = `cli-${randomBytes(4).toString("hex")}@example.com`;
    const password = `pw-${randomBytes(8).toString("hex")}`;
    const signup = await fetch(`${server.url}/v1/auth/signup`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password }),
    });
    expect(signup.status).toBe(201);

    const wrong = await runCli(["login", "--email", email], { env, input: "wrong\n" });
    expect(wrong.code).toBe(4);
    const login = await runCli(["login", "--email", email, "--json"], {
      env,
      input: `${password}\n`,
    });
    expect(login.code).toBe(0);
    expect(json(login)).toMatchObject({ url: server.url, email });

    const created = await runCli(["key", "create", "ci", "--json"], { env });
    expect(created.code).toBe(0);
    const key = json<{ id: string; key: string; name: string }>(created);
    expect(key.key).toMatch(/^wrn_/);

    const human = await runCli(["key", "create", "plain"], { env });
    expect(human.code).toBe(0);
    expect(human.stdout.trim()).toMatch(/^wrn_\S+$/);

    const list = await runCli(["key", "list", "--json"], { env });
    expect(json<Array<{ id: string }>>(list).map((k) => k.id)).toContain(key.id);
    const table = await runCli(["key", "list"], { env });
    expect(table.stdout).toMatch(/^ID\s+NAME\s+PREFIX/);
    expect(table.stdout).toContain(key.id);

    // An API key may list keys but not mint or delete them: exit 4 and a hint.
    const byKey = await runCli(["key", "create", "more", "--api-key", key.key], { env });
    expect(byKey.code).toBe(4);
    expect(byKey.stderr).toContain("wrenn login --email");

    const deleted = await runCli(["key", "delete", key.id], { env });
    expect(deleted.code).toBe(0);
    const again = await runCli(["key", "delete", key.id, "--json"], { env });
    expect(again.code).toBe(3);
    expect(json(again)).toMatchObject({ error: { status: 404, exitCode: 3 } });
    const revoked = await runCli(["template", "list", "--api-key", key.key], { env });
    expect(revoked.code).toBe(4);
  });
});

describe("errors", () => {
  it("maps not found, bad keys and unreachable servers to their exit codes", async () => {
    const unknownId = "cl-0000000000000000000000000";
    const noKeyEnv = cliEnv({
      XDG_CONFIG_HOME: await freshConfigHome(),
      WRENN_API_URL: server.url,
    });
    const [missing, human, badKey, noKey, unreachable, invalid] = await Promise.all([
      wrenn(["sandbox", "get", unknownId, "--json"]),
      wrenn(["sandbox", "kill", unknownId]),
      wrenn(["sandbox", "list", "--api-key", "wrn_bad"]),
      runCli(["sandbox", "list"], { env: noKeyEnv }),
      wrenn(["sandbox", "list", "--url", "http://127.0.0.1:9"]),
      wrenn(["sandbox", "get", "not-an-id"]),
    ]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toBe(`wrenn: sandbox ${unknownId} not found\n`);
    expect(json(missing)).toEqual({
      error: {
        message: `sandbox ${unknownId} not found`,
        exitCode: 3,
        status: 404,
        errorCode: "not_found",
      },
    });
    expect(human).toMatchObject({ code: 3, stdout: "" });
    expect(badKey.code).toBe(4);
    expect(noKey.code).toBe(4);
    expect(noKey.stderr).toContain("wrenn login");
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("cannot reach");
    expect(invalid.code).toBe(2);
  });
});

describe("a sandbox's life", () => {
  it("creates a sandbox, waits for it and lists it", async () => {
    const created = await wrenn([
      "sandbox",
      "create",
      "--json",
      "--timeout",
      "300",
      "--env",
      "GREETING=hi=there",
      "--metadata",
      "suite=cli",
    ]);
    expect(created.code, created.stderr).toBe(0);
    const view = json<{ id: string; state: string; metadata: Record<string, string> }>(created);
    sandboxId = view.id;
    expect(view.state).toBe("running");
    expect(view.metadata).toEqual({ suite: "cli" });

    const [list, other, table, get] = await Promise.all([
      wrenn(["sandbox", "list", "--json", "--metadata", "suite=cli"]),
      wrenn(["sandbox", "list", "--json", "--metadata", "suite=other"]),
      wrenn(["sandbox", "ls"]),
      wrenn(["sandbox", "get", sandboxId]),
    ]);
    expect(json<Array<{ id: string }>>(list).map((s) => s.id)).toEqual([sandboxId]);
    expect(json<unknown[]>(other)).toEqual([]);
    expect(table.stdout).toMatch(/^ID\s+STATE\s+TEMPLATE/);
    expect(table.stdout).toContain(`${sandboxId}  running`);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/state:\s+running/);
    expect(get.stdout).toContain("suite=cli");
  });

  it("runs commands: output streamed apart, exit code passed through", async () => {
    const exec = (args: string[], input?: string) =>
      wrenn(["sandbox", "exec", sandboxId, ...args], input);
    const [run, options, piped, asJson, notFound] = await Promise.all([
      exec(["--", "sh", "-c", 'echo "out $GREETING"; echo err >&2; exit 7']),
      exec([
        "--cwd",
        "/tmp",
        "-e",
        "X=1",
        "--user",
        "root",
        "--",
        "sh",
        "-c",
        "echo $(pwd) $X $(whoami)",
      ]),
      exec(["--stdin", "--", "wc", "-c"], "12345"),
      exec(["--json", "--", "sh", "-c", "echo a; echo b >&2; exit 3"]),
      exec(["--", "no-such-program"]),
    ]);
    expect(run).toEqual({ code: 7, stdout: "out hi=there\n", stderr: "err\n" });
    expect(options).toMatchObject({ code: 0, stdout: "/tmp 1 root\n" });
    expect(piped).toMatchObject({ code: 0, stdout: "5\n" });
    expect(asJson.code).toBe(3);
    expect(json(asJson)).toEqual({ exitCode: 3, stdout: "a\n", stderr: "b\n" });
    expect(notFound.code).not.toBe(0);
  });

  it("copies files both ways, streamed, byte for byte", async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const local = join(work, "upload.bin");
    await writeFile(local, bytes);
    const up = await wrenn(["sandbox", "cp", local, `${sandboxId}:/tmp/dir/`, "--json"]);
    expect(up.code, up.stderr).toBe(0);
    expect(json(up)).toEqual({
      from: local,
      to: `${sandboxId}:/tmp/dir/upload.bin`,
      sizeBytes: bytes.length,
    });
    const sum = await wrenn([
      "sandbox",
      "exec",
      sandboxId,
      "--",
      "wc",
      "-c",
      "/tmp/dir/upload.bin",
    ]);
    expect(sum.stdout).toContain(String(bytes.length));

    const back = join(work, "download.bin");
    const down = await wrenn(["sandbox", "cp", `${sandboxId}:/tmp/dir/upload.bin`, back]);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toBe("");
    expect((await readFile(back)).equals(bytes)).toBe(true);

    // stdin in, stdout out.
    const fromStdin = await wrenn(["sandbox", "cp", "-", `${sandboxId}:/tmp/note.txt`], "hello\n");
    expect(fromStdin.code).toBe(0);
    const toStdout = await wrenn(["sandbox", "cp", `${sandboxId}:/tmp/note.txt`, "-"]);
    expect(toStdout).toEqual({ code: 0, stdout: "hello\n", stderr: "" });

    // On a terminal: a progress display on stderr, then a success line.
    const tty = runCliInPty(["sandbox", "cp", local, `${sandboxId}:/tmp/tty.bin`], {
      env: cliEnv({ WRENN_API_URL: server.url, WRENN_API_KEY: apiKey }),
    });
    expect(await tty.exited).toBe(0);
    await vi.waitFor(() =>
      expect(tty.output()).toContain(`copied ${bytes.length} bytes to ${sandboxId}:/tmp/tty.bin`),
    );

    const [missingRemote, missingLocal, bothLocal] = await Promise.all([
      wrenn(["sandbox", "cp", `${sandboxId}:/tmp/nope`, back]),
      wrenn(["sandbox", "cp", join(work, "nope"), `${sandboxId}:/tmp/`]),
      wrenn(["sandbox", "cp", local, back]),
    ]);
    expect(missingRemote.code).toBe(3);
    expect(missingLocal.code).toBe(3);
    expect(bothLocal.code).toBe(2);
  });

  it("opens a real interactive shell that follows the window size", async () => {
    const shell = runCliInPty(["sandbox", "shell", sandboxId], {
      env: cliEnv({ WRENN_API_URL: server.url, WRENN_API_KEY: apiKey }),
    });
    await vi.waitFor(() => expect(shell.output()).toMatch(/[$#] $/m), { timeout: 20_000 });
    shell.pty.write("echo hello-$((6*7))\r");
    await vi.waitFor(() => expect(shell.output()).toContain("hello-42"), { timeout: 10_000 });
    shell.pty.resize(100, 30);
    // The resize reaches the remote PTY asynchronously; ask until it answers with the new size.
    await vi.waitFor(
      () => {
        shell.pty.write("stty size\r");
        expect(shell.output()).toContain("30 100");
      },
      { timeout: 10_000, interval: 500 },
    );
    shell.pty.write("exit 3\r");
    expect(await shell.exited).toBe(3);
  });

  it("refuses a shell without a terminal", async () => {
    const run = await wrenn(["sandbox", "shell", sandboxId]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("needs a terminal");
  });

  it("sets the timeout", async () => {
    const before = Date.now();
    const run = await wrenn(["sandbox", "timeout", sandboxId, "600", "--json"]);
    expect(run.code).toBe(0);
    const endAt = new Date(json<{ endAt: string }>(run).endAt).getTime();
    expect(endAt).toBeGreaterThanOrEqual(before + 590_000);
    expect(endAt).toBeLessThanOrEqual(Date.now() + 610_000);
  });

  it("pauses and resumes, with 5 for the wrong state", async () => {
    const paused = await wrenn(["sandbox", "pause", sandboxId, "--json"]);
    expect(paused.code, paused.stderr).toBe(0);
    expect(json(paused)).toMatchObject({ id: sandboxId, state: "paused" });

    const again = await wrenn(["sandbox", "pause", sandboxId]);
    expect(again.code).toBe(5);
    const exec = await wrenn(["sandbox", "exec", sandboxId, "--", "true"]);
    expect(exec.code).toBe(5);

    const resumed = await wrenn(["sandbox", "resume", sandboxId]);
    expect(resumed).toMatchObject({ code: 0, stdout: "running\n" });
    const after = await wrenn(["sandbox", "exec", sandboxId, "--", "cat", "/tmp/note.txt"]);
    expect(after.stdout).toBe("hello\n");
  });

  it("snapshots the sandbox into a template, lists and deletes it", async () => {
    const name = `cli-snap-${randomBytes(3).toString("hex")}`;
    const created = await wrenn(["snapshot", "create", sandboxId, name, "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const template = json<{ id: string; name: string; type: string }>(created);
    expect(template).toMatchObject({ name, type: "snapshot" });

    const snapshots = await wrenn(["snapshot", "list", "--json", "--sandbox", sandboxId]);
    expect(json<Array<{ id: string }>>(snapshots).map((t) => t.id)).toEqual([template.id]);
    const templates = await wrenn(["template", "list"]);
    expect(templates.stdout).toMatch(/^ID\s+NAME\s+TYPE/);
    expect(templates.stdout).toContain(name);

    const duplicate = await wrenn(["snapshot", "create", sandboxId, name]);
    expect(duplicate.code).toBe(5);

    const deleted = await wrenn(["snapshot", "delete", template.id]);
    expect(deleted).toMatchObject({ code: 0, stdout: `deleted ${template.id}\n` });
    const gone = await wrenn(["snapshot", "delete", template.id]);
    expect(gone.code).toBe(3);
  });

  it("kills sandboxes, one that is still starting too", async () => {
    const quick = await wrenn(["sandbox", "create", "--no-wait", "--timeout", "60"]);
    expect(quick.code, quick.stderr).toBe(0);
    const quickId = quick.stdout.trim();
    expect(quickId).toMatch(/^cl-[0-9a-z]{25}$/);
    const killed = await wrenn(["sandbox", "kill", sandboxId, quickId]);
    expect(killed).toMatchObject({
      code: 0,
      stdout: `${sandboxId} stopped\n${quickId} stopped\n`,
    });
    const get = await wrenn(["sandbox", "get", sandboxId, "--json"]);
    expect(json(get)).toMatchObject({ state: "stopped" });
    const exec = await wrenn(["sandbox", "exec", sandboxId, "--", "true"]);
    expect(exec.code).toBe(5);
    sandboxId = "";
  });
});
