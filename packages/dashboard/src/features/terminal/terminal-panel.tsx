import "@xterm/xterm/css/xterm.css";
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import { useEffect, useRef, useState } from "react";
import { useApi } from "../../app-context.js";
import { Button } from "../../components/button.js";
import { Spinner } from "../../components/spinner.js";
import { createPtyConnection, type PtyConnection, type PtyStatus } from "./pty-connection.js";

const THEME = {
  background: "#0d1017",
  foreground: "#d7dce5",
  cursor: "#7b9bff",
  selectionBackground: "#2b3a66",
};

/** The shell of each sandbox, per browser tab, so coming back reattaches instead of piling up. */
function rememberedPid(sandboxId: string): number | null {
  const value = Number(sessionStorage.getItem(`wrenn.pty.${sandboxId}`));
  return Number.isInteger(value) && value > 0 ? value : null;
}

function rememberPid(sandboxId: string, pid: number | null): void {
  if (pid === null) sessionStorage.removeItem(`wrenn.pty.${sandboxId}`);
  else sessionStorage.setItem(`wrenn.pty.${sandboxId}`, String(pid));
}

function statusText(status: PtyStatus): string {
  switch (status.kind) {
    case "connecting":
      return "Connecting…";
    case "connected":
      return `Connected · shell pid ${status.pid}`;
    case "reconnecting":
      return `Reconnecting (attempt ${status.attempt})…`;
    case "suspended":
      return "Waiting until the sandbox runs";
    case "exited":
      return `Shell exited with code ${status.exitCode}`;
    case "failed":
      return `Not connected: ${status.reason}`;
  }
}

/**
 * xterm.js over the sandbox's PTY. The terminal fills its box and follows its size (the fit
 * addon, on every resize of the box); output and keystrokes are raw bytes both ways.
 */
export function TerminalPanel({ sandboxId, live }: { sandboxId: string; live: boolean }) {
  const api = useApi();
  const boxRef = useRef<HTMLDivElement>(null);
  const connectionRef = useRef<PtyConnection | null>(null);
  const [status, setStatus] = useState<PtyStatus>({ kind: "connecting" });
  const [screenReader, setScreenReader] = useState(false);
  const terminalRef = useRef<Terminal | null>(null);
  const exitRef = useRef<HTMLSpanElement>(null);

  useEffect(() => {
    const box = boxRef.current;
    if (!box) return;
    const terminal = new Terminal({
      cursorBlink: true,
      fontFamily: 'ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace',
      fontSize: 13,
      scrollback: 5000,
      theme: THEME,
    });
    const fit = new FitAddon();
    terminal.loadAddon(fit);
    // The terminal keeps Tab for the shell; F6 is the way out for keyboard users.
    terminal.attachCustomKeyEventHandler((event) => {
      if (event.key !== "F6") return true;
      if (event.type === "keydown") exitRef.current?.focus();
      return false;
    });
    terminal.open(box);
    terminalRef.current = terminal;
    const refit = () => {
      // A hidden tab has no size: fitting then would shrink the shell to nothing.
      if (box.offsetWidth > 0 && box.offsetHeight > 0) fit.fit();
    };
    refit();

    const connection = createPtyConnection({
      url: (query) => api.webSocketUrl(`/v1/sandboxes/${sandboxId}/pty`, query),
      credential: api.token,
      size: { cols: terminal.cols, rows: terminal.rows },
      initialPid: rememberedPid(sandboxId),
      onPid: (pid) => rememberPid(sandboxId, pid),
      onOutput: (bytes) => terminal.write(bytes),
      onStatus: setStatus,
      onNotice: (text) => terminal.write(`\r\n\x1b[33m[${text}]\x1b[0m\r\n`),
    });
    connectionRef.current = connection;
    const input = terminal.onData((data) => connection.send(data));
    const resized = terminal.onResize(({ cols, rows }) => connection.resize(cols, rows));
    const observer = new ResizeObserver(refit);
    observer.observe(box);

    return () => {
      observer.disconnect();
      input.dispose();
      resized.dispose();
      connection.close();
      connectionRef.current = null;
      terminalRef.current = null;
      terminal.dispose();
    };
  }, [api, sandboxId]);

  // Connect while the sandbox runs; hold off (keeping the shell) while it does not.
  useEffect(() => {
    const connection = connectionRef.current;
    if (!connection) return;
    if (live) connection.reconnect();
    else connection.suspend();
  }, [live]);

  useEffect(() => {
    if (terminalRef.current) terminalRef.current.options.screenReaderMode = screenReader;
  }, [screenReader]);

  const busy = status.kind === "connecting" || status.kind === "reconnecting";
  return (
    <div className="flex flex-col gap-2">
      <div className="flex flex-wrap items-center justify-between gap-2 text-xs">
        <p
          role="status"
          data-pty-status={status.kind}
          className="flex items-center gap-1.5 text-muted"
        >
          {busy && <Spinner />}
          {statusText(status)}
        </p>
        <div className="flex flex-wrap items-center gap-2">
          <label className="flex items-center gap-1 text-muted">
            <input
              type="checkbox"
              checked={screenReader}
              onChange={(event) => setScreenReader(event.target.checked)}
            />
            Screen reader mode
          </label>
          {status.kind === "failed" && live && (
            <Button size="sm" onClick={() => connectionRef.current?.reconnect()}>
              Reconnect
            </Button>
          )}
          <Button
            size="sm"
            disabled={!live}
            onClick={() => {
              terminalRef.current?.reset();
              connectionRef.current?.restart();
            }}
          >
            New shell
          </Button>
        </div>
      </div>
      <section
        aria-label="Terminal"
        className="h-[55vh] min-h-64 resize-y overflow-hidden rounded-md border border-line p-1"
        style={{ background: THEME.background }}
      >
        <div ref={boxRef} className="size-full" />
      </section>
      <span ref={exitRef} tabIndex={-1} className="text-xs text-muted outline-none">
        Tab goes to the shell while the terminal has focus; press F6 to move focus out of it.
      </span>
    </div>
  );
}
