import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AuthenticationError,
  CommandExitError,
  InvalidArgumentError,
  NotFoundError,
  SandboxError,
  TimeoutError,
} from "e2b";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testUser } from "./helpers/envd.js";
import { isAlive, type SandboxFixture, startSandbox } from "./helpers/sandbox.js";

describe("process service through the e2b SDK: commands", () => {
  let fx: SandboxFixture;
  const user = testUser();

  beforeAll(async () => {
    fx = await startSandbox({ envVars: { FROM_INIT: "init", OVERRIDDEN: "init" } });
  });
  afterAll(async () => {
    await fx.stop();
  });

  describe("foreground run", () => {
    it("returns stdout, stderr and exit code 0", async () => {
      const result = await fx.sandbox.commands.run("echo out; echo err >&2");
      expect(result).toMatchObject({ exitCode: 0, stdout: "out\n", stderr: "err\n" });
      expect(result.error).toBeUndefined();
    });

    it("throws CommandExitError carrying the exit code and both outputs", async () => {
      const failed = fx.sandbox.commands.run("echo partial; echo oops >&2; exit 3");
      await expect(failed).rejects.toBeInstanceOf(CommandExitError);
      const error = (await failed.catch((e: unknown) => e)) as CommandExitError;
      expect(error.exitCode).toBe(3);
      expect(error.stdout).toBe("partial\n");
      expect(error.stderr).toBe("oops\n");
      expect(error.error).toBe("exit status 3");
    });

    it("keeps multi-byte UTF-8 intact when a character is split across chunks", async () => {
      const chunks: string[] = [];
      // The euro sign (e2 82 ac) written one byte per write, with pauses so each byte is
      // its own read on envd's side.
      const result = await fx.sandbox.commands.run(
        "printf '\\xe2'; sleep 0.2; printf '\\x82'; sleep 0.2; printf '\\xac\\n'; printf '\\xf0\\x9f'; sleep 0.2; printf '\\x98\\x80' >&1",
        { onStdout: (data) => void chunks.push(data) },
      );
      expect(result.stdout).toBe("€\n😀");
      expect(chunks.join("")).toBe("€\n😀");
    });

    it("delivers a few megabytes of output complete", async () => {
      const result = await fx.sandbox.commands.run("yes 0123456789abcdef | head -c 6000000");
      expect(result.stdout.length).toBe(6_000_000);
      expect(result.stdout.startsWith("0123456789abcdef\n")).toBe(true);
      expect(result.stdout.replaceAll("0123456789abcdef\n", "").length).toBe(6_000_000 % 17);
    });
  });

  describe("environment", () => {
    it("starts from a clean env with the user's identity, the /init vars and E2B_SANDBOX", async () => {
      const { stdout } = await fx.sandbox.commands.run(
        // envd itself runs with the test runner's environment (VITEST=true); none of it may leak.
        'echo "$HOME|$USER|$LOGNAME|$FROM_INIT|$E2B_SANDBOX|$(printenv VITEST || echo unset)"',
      );
      expect(stdout.trim()).toBe(`${user.home}|user|user|init|true|unset`);
    });

    it("lets per-call envs override the /init ones", async () => {
      const { stdout } = await fx.sandbox.commands.run('echo "$OVERRIDDEN|$PER_CALL|$FROM_INIT"', {
        envs: { OVERRIDDEN: "call", PER_CALL: "yes" },
      });
      expect(stdout.trim()).toBe("call|yes|init");
    });

    it("has a usable PATH", async () => {
      const { stdout } = await fx.sandbox.commands.run("command -v ls");
      expect(stdout.trim()).toMatch(/\/ls$/);
    });
  });

  describe("cwd", () => {
    it("defaults to the user's home", async () => {
      expect((await fx.sandbox.commands.run("pwd")).stdout.trim()).toBe(user.home);
    });

    it("honours an absolute cwd", async () => {
      expect((await fx.sandbox.commands.run("pwd", { cwd: "/tmp" })).stdout.trim()).toBe("/tmp");
    });

    it("expands ~ and resolves relative paths against home", async () => {
      await fx.sandbox.commands.run("mkdir -p wrenn-cwd-test/inner");
      try {
        expect((await fx.sandbox.commands.run("pwd", { cwd: "~" })).stdout.trim()).toBe(user.home);
        const relative = await fx.sandbox.commands.run("pwd", { cwd: "wrenn-cwd-test/inner" });
        expect(relative.stdout.trim()).toBe(`${user.home}/wrenn-cwd-test/inner`);
        const tilde = await fx.sandbox.commands.run("pwd", { cwd: "~/wrenn-cwd-test" });
        expect(tilde.stdout.trim()).toBe(`${user.home}/wrenn-cwd-test`);
      } finally {
        await fx.sandbox.commands.run("rm -rf wrenn-cwd-test");
      }
    });

    it("rejects a cwd that does not exist with InvalidArgumentError", async () => {
      const run = fx.sandbox.commands.run("pwd", { cwd: "/no/such/dir" });
      await expect(run).rejects.toBeInstanceOf(InvalidArgumentError);
      await expect(run).rejects.toThrow("/no/such/dir");
    });
  });

  describe("user", () => {
    it("runs as the /init default user with that user's home", async () => {
      const { stdout } = await fx.sandbox.commands.run('whoami; id -u; echo "$HOME"');
      expect(stdout).toBe(`user\n${user.uid}\n${user.home}\n`);
    });

    it("runs as root when asked", async () => {
      const { stdout } = await fx.sandbox.commands.run('whoami; echo "$HOME"', { user: "root" });
      expect(stdout).toBe("root\n/root\n");
    });

    it("rejects an unknown user with AuthenticationError", async () => {
      const run = fx.sandbox.commands.run("true", { user: "no-such-user-xyz" });
      await expect(run).rejects.toBeInstanceOf(AuthenticationError);
      await expect(run).rejects.toThrow("invalid username: 'no-such-user-xyz'");
    });
  });

  describe("stdin", () => {
    it("feeds sendStdin to the process and ends it with closeStdin", async () => {
      const handle = await fx.sandbox.commands.run("cat", { background: true, stdin: true });
      await handle.sendStdin("hello ");
      await fx.sandbox.commands.sendStdin(handle.pid, new TextEncoder().encode("world\n"));
      await vi.waitFor(() => expect(handle.stdout).toBe("hello world\n"));
      await handle.closeStdin();
      const result = await handle.wait();
      expect(result).toMatchObject({ exitCode: 0, stdout: "hello world\n" });
    });

    it("gives /dev/null as stdin by default, so cat returns at once", async () => {
      const result = await fx.sandbox.commands.run("cat; echo done", { timeoutMs: 10_000 });
      expect(result.stdout).toBe("done\n");
    });

    it("refuses stdin for a process started without it", async () => {
      const handle = await fx.sandbox.commands.run("sleep 30", { background: true });
      try {
        const send = fx.sandbox.commands.sendStdin(handle.pid, "x");
        await expect(send).rejects.toBeInstanceOf(SandboxError);
        await expect(send).rejects.toThrow(/failed_precondition.*stdin: true/);
      } finally {
        await handle.kill();
      }
    });
  });

  describe("background commands", () => {
    it("streams output to callbacks and resolves wait() at the end", async () => {
      const seen: string[] = [];
      const handle = await fx.sandbox.commands.run("echo one; read -t 20 line; echo two", {
        background: true,
        stdin: true,
        onStdout: (data) => void seen.push(data),
      });
      await vi.waitFor(() => expect(seen.join("")).toBe("one\n"));
      await handle.sendStdin("go\n");
      const result = await handle.wait();
      expect(result.exitCode).toBe(0);
      expect(seen.join("")).toBe("one\ntwo\n");
    });

    it("lists running commands with their config", async () => {
      const handle = await fx.sandbox.commands.run("sleep 30", {
        background: true,
        envs: { LISTED: "1" },
        cwd: "/tmp",
      });
      try {
        const listed = await fx.sandbox.commands.list();
        expect(listed).toContainEqual({
          pid: handle.pid,
          cmd: "/bin/bash",
          args: ["-l", "-c", "sleep 30"],
          envs: { LISTED: "1" },
          cwd: "/tmp",
        });
      } finally {
        await handle.kill();
      }
      await vi.waitFor(async () => {
        const pids = (await fx.sandbox.commands.list()).map((p) => p.pid);
        expect(pids).not.toContain(handle.pid);
      });
    });
  });

  describe("kill", () => {
    it("handle.kill() ends the command with exit code -1 and 'signal: killed'", async () => {
      const handle = await fx.sandbox.commands.run("sleep 30", { background: true });
      expect(await handle.kill()).toBe(true);
      const error = (await handle.wait().catch((e: unknown) => e)) as CommandExitError;
      expect(error).toBeInstanceOf(CommandExitError);
      expect(error.exitCode).toBe(-1);
      expect(error.error).toBe("signal: killed");
      expect(isAlive(handle.pid)).toBe(false);
    });

    it("commands.kill(pid) kills the whole process tree", async () => {
      const handle = await fx.sandbox.commands.run("sleep 300 & echo $!; wait", {
        background: true,
      });
      await vi.waitFor(() => expect(handle.stdout).toMatch(/^\d+\n$/));
      const grandchild = Number(handle.stdout.trim());
      expect(isAlive(grandchild)).toBe(true);
      expect(await fx.sandbox.commands.kill(handle.pid)).toBe(true);
      await expect(handle.wait()).rejects.toMatchObject({ exitCode: -1 });
      await vi.waitFor(() => expect(isAlive(grandchild)).toBe(false));
    });

    it("returns false for an unknown pid", async () => {
      expect(await fx.sandbox.commands.kill(999_999)).toBe(false);
    });
  });

  describe("connect", () => {
    it("attaches to a running command and receives only new output", async () => {
      const handle = await fx.sandbox.commands.run("echo before; cat", {
        background: true,
        stdin: true,
      });
      await vi.waitFor(() => expect(handle.stdout).toBe("before\n"));
      let attached = "";
      const second = await fx.sandbox.commands.connect(handle.pid, {
        onStdout: (data) => {
          attached += data;
        },
      });
      await handle.sendStdin("after\n");
      await vi.waitFor(() => expect(attached).toBe("after\n"));
      await handle.closeStdin();
      expect((await second.wait()).exitCode).toBe(0);
      expect(second.stdout).toBe("after\n");
      expect((await handle.wait()).stdout).toBe("before\nafter\n");
    });

    it("keeps the process alive across a disconnect and lets a client reconnect", async () => {
      const handle = await fx.sandbox.commands.run("cat", { background: true, stdin: true });
      await handle.disconnect();
      await expect(handle.wait()).rejects.toBeDefined();
      const pids = (await fx.sandbox.commands.list()).map((p) => p.pid);
      expect(pids).toContain(handle.pid);

      const again = await fx.sandbox.commands.connect(handle.pid);
      await fx.sandbox.commands.sendStdin(handle.pid, "still here\n");
      await vi.waitFor(() => expect(again.stdout).toBe("still here\n"));
      await fx.sandbox.commands.closeStdin(handle.pid);
      expect(await again.wait()).toMatchObject({ exitCode: 0, stdout: "still here\n" });
    });

    it("answers start + end for a process that exited recently", async () => {
      const handle = await fx.sandbox.commands.run("echo gone; exit 7", { background: true });
      await expect(handle.wait()).rejects.toMatchObject({ exitCode: 7 });
      const late = await fx.sandbox.commands.connect(handle.pid);
      const error = (await late.wait().catch((e: unknown) => e)) as CommandExitError;
      expect(error).toBeInstanceOf(CommandExitError);
      expect(error.exitCode).toBe(7);
      expect(error.stdout).toBe("");
    });

    it("throws NotFoundError for an unknown pid", async () => {
      const connect = fx.sandbox.commands.connect(999_999);
      await expect(connect).rejects.toBeInstanceOf(NotFoundError);
      await expect(connect).rejects.toThrow("process with pid 999999 not found");
    });
  });

  describe("timeoutMs", () => {
    it("fails a foreground run with TimeoutError and kills the process", async () => {
      const startedAt = Date.now();
      const run = fx.sandbox.commands.run("sleep 30 # timeout-foreground", { timeoutMs: 1000 });
      await expect(run).rejects.toBeInstanceOf(TimeoutError);
      expect(Date.now() - startedAt).toBeLessThan(10_000);
      await vi.waitFor(async () => {
        const listed = await fx.sandbox.commands.list();
        expect(listed.filter((p) => p.args.join(" ").includes("timeout-foreground"))).toEqual([]);
      });
    });

    it("kills a background process at its deadline even after the client disconnected", async () => {
      const handle = await fx.sandbox.commands.run("sleep 30", {
        background: true,
        timeoutMs: 1500,
      });
      await handle.disconnect();
      expect(isAlive(handle.pid)).toBe(true);
      await vi.waitFor(
        async () => {
          const pids = (await fx.sandbox.commands.list()).map((p) => p.pid);
          expect(pids).not.toContain(handle.pid);
        },
        { timeout: 10_000 },
      );
      expect(isAlive(handle.pid)).toBe(false);
      const late = await fx.sandbox.commands.connect(handle.pid);
      await expect(late.wait()).rejects.toMatchObject({ exitCode: -1, error: "signal: killed" });
    });

    it("does not limit a process when timeoutMs is 0", async () => {
      const handle = await fx.sandbox.commands.run("cat", {
        background: true,
        stdin: true,
        timeoutMs: 0,
      });
      await handle.sendStdin("x\n");
      await vi.waitFor(() => expect(handle.stdout).toBe("x\n"));
      await handle.closeStdin();
      expect((await handle.wait()).exitCode).toBe(0);
    });
  });
});

describe("process service: default workdir from /init", () => {
  let fx: SandboxFixture;
  let workdir: string;

  beforeAll(async () => {
    workdir = mkdtempSync(join(tmpdir(), "wrenn-workdir-"));
    fx = await startSandbox({ defaultWorkdir: workdir });
  });
  afterAll(async () => {
    await fx.stop();
    rmSync(workdir, { recursive: true, force: true });
  });

  it("runs commands without a cwd in the default workdir", async () => {
    expect((await fx.sandbox.commands.run("pwd")).stdout.trim()).toBe(workdir);
  });
});
