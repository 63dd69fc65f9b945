import { CommandExitError, type CommandHandle, SandboxError } from "e2b";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testUser } from "./helpers/envd.js";
import { isAlive, type SandboxFixture, startSandbox } from "./helpers/sandbox.js";

/** A PTY session whose output is collected as text for assertions. */
async function openPty(fx: SandboxFixture, size = { cols: 100, rows: 30 }) {
  const decoder = new TextDecoder();
  const session = { output: "", handle: undefined as unknown as CommandHandle };
  session.handle = await fx.sandbox.pty.create({
    ...size,
    onData: (data) => {
      session.output += decoder.decode(data, { stream: true });
    },
  });
  return session;
}

/** A command's own output line, which starts the line (after bash's bracketed-paste reset). */
function outputLine(text: string): RegExp {
  return new RegExp(`\\r\\n(?:\\x1b\\[\\?2004l\\r)?${text}\\r\\n`);
}

function typeLine(fx: SandboxFixture, pid: number, line: string): Promise<void> {
  return fx.sandbox.pty.sendInput(pid, new TextEncoder().encode(`${line}\n`));
}

describe("process service through the e2b SDK: pty", () => {
  let fx: SandboxFixture;
  const user = testUser();

  beforeAll(async () => {
    fx = await startSandbox();
  });
  afterAll(async () => {
    await fx.stop();
  });

  it("runs an interactive shell that echoes typed commands", async () => {
    const pty = await openPty(fx);
    try {
      await typeLine(fx, pty.handle.pid, "echo hello");
      // The command's own output is on a line of its own, unlike the echoed input.
      await vi.waitFor(() => expect(pty.output).toMatch(outputLine("hello")));
    } finally {
      await fx.sandbox.pty.kill(pty.handle.pid);
    }
  });

  it("runs as the default user with TERM and locale from the SDK's envs", async () => {
    const pty = await openPty(fx);
    try {
      await typeLine(fx, pty.handle.pid, 'echo "id=$(whoami):$HOME:$TERM:$LC_ALL"');
      await vi.waitFor(() =>
        expect(pty.output).toContain(`id=user:${user.home}:xterm-256color:C.UTF-8`),
      );
    } finally {
      await fx.sandbox.pty.kill(pty.handle.pid);
    }
  });

  it("sizes the terminal from cols/rows and resizes it", async () => {
    const pty = await openPty(fx, { cols: 111, rows: 33 });
    try {
      await typeLine(fx, pty.handle.pid, 'echo "size=$(stty size) cols=$(tput cols)"');
      await vi.waitFor(() => expect(pty.output).toContain("size=33 111 cols=111"));
      await fx.sandbox.pty.resize(pty.handle.pid, { cols: 77, rows: 22 });
      await typeLine(fx, pty.handle.pid, 'echo "size=$(stty size)"');
      await vi.waitFor(() => expect(pty.output).toContain("size=22 77"));
    } finally {
      await fx.sandbox.pty.kill(pty.handle.pid);
    }
  });

  it("ends with exit code 0 when the shell exits", async () => {
    const pty = await openPty(fx);
    await typeLine(fx, pty.handle.pid, "exit");
    const result = await pty.handle.wait();
    expect(result.exitCode).toBe(0);
  });

  it("pty.kill ends the session as killed and returns false for unknown pids", async () => {
    const pty = await openPty(fx);
    await typeLine(fx, pty.handle.pid, "echo ready");
    await vi.waitFor(() => expect(pty.output).toMatch(outputLine("ready")));
    expect(await fx.sandbox.pty.kill(pty.handle.pid)).toBe(true);
    const error = (await pty.handle.wait().catch((e: unknown) => e)) as CommandExitError;
    expect(error).toBeInstanceOf(CommandExitError);
    expect(error.exitCode).toBe(-1);
    expect(error.error).toBe("signal: killed");
    expect(isAlive(pty.handle.pid)).toBe(false);
    expect(await fx.sandbox.pty.kill(999_999)).toBe(false);
  });

  it("pty.connect attaches a second viewer that sees new output", async () => {
    const pty = await openPty(fx);
    try {
      let seen = "";
      const decoder = new TextDecoder();
      const viewer = await fx.sandbox.pty.connect(pty.handle.pid, {
        onData: (data) => {
          seen += decoder.decode(data, { stream: true });
        },
      });
      await typeLine(fx, pty.handle.pid, "echo $((6 * 7))");
      await vi.waitFor(() => expect(seen).toMatch(outputLine("42")));
      await viewer.disconnect();
      // The session outlives the viewer.
      await typeLine(fx, pty.handle.pid, "echo $((6 * 8))");
      await vi.waitFor(() => expect(pty.output).toMatch(outputLine("48")));
    } finally {
      await fx.sandbox.pty.kill(pty.handle.pid);
    }
  });

  it("passes multi-byte UTF-8 through the terminal intact", async () => {
    const pty = await openPty(fx);
    try {
      await typeLine(fx, pty.handle.pid, "printf 'x\\xe2'; sleep 0.2; printf '\\x82\\xacx\\n'");
      await vi.waitFor(() => expect(pty.output).toContain("x€x\r\n"));
    } finally {
      await fx.sandbox.pty.kill(pty.handle.pid);
    }
  });

  it("refuses stdin-only calls on a PTY with a clear message", async () => {
    const pty = await openPty(fx);
    try {
      const close = fx.sandbox.commands.closeStdin(pty.handle.pid);
      await expect(close).rejects.toBeInstanceOf(SandboxError);
      await expect(close).rejects.toThrow(/failed_precondition.*Ctrl-D/);
      const stdin = fx.sandbox.commands.sendStdin(pty.handle.pid, "x");
      await expect(stdin).rejects.toThrow(/failed_precondition.*input\.pty/);
    } finally {
      await fx.sandbox.pty.kill(pty.handle.pid);
    }
  });

  it("refuses resize and PTY input for a command without a PTY", async () => {
    const handle = await fx.sandbox.commands.run("sleep 30", { background: true });
    try {
      const resize = fx.sandbox.pty.resize(handle.pid, { cols: 10, rows: 10 });
      await expect(resize).rejects.toThrow(/failed_precondition.*no PTY/);
      const input = fx.sandbox.pty.sendInput(handle.pid, new Uint8Array([65]));
      await expect(input).rejects.toThrow(/failed_precondition.*input\.stdin/);
    } finally {
      await handle.kill();
    }
  });
});
