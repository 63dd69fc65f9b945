import ora from "ora";
import pc from "picocolors";

/** A column of a human table: its header and how to show a row's cell. */
export interface Column<T> {
  readonly header: string;
  readonly cell: (row: T) => string;
}

/** Plain left-aligned columns, two spaces apart; the last one is not padded. */
export function formatTable<T>(
  columns: readonly Column<T>[],
  rows: readonly T[],
  options: { bold?: (text: string) => string } = {},
): string {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((line) => (line[i] ?? "").length)),
  );
  const render = (line: readonly string[]) =>
    line
      .map((cell, i) => (i === line.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  const bold = options.bold ?? ((text: string) => text);
  const header = bold(render(columns.map((column) => column.header)));
  return [header, ...cells.map(render)].map((line) => `${line}\n`).join("");
}

/** `key: value` lines with the keys aligned, for one object. */
export function formatDetails(entries: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...entries.map(([key]) => key.length));
  return entries.map(([key, value]) => `${`${key}:`.padEnd(width + 3)}${value}\n`).join("");
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** "3m ago", "in 5m": short enough for a table cell. */
export function formatRelative(iso: string | null, now: Date): string {
  if (iso === null) return "-";
  const deltaMs = new Date(iso).getTime() - now.getTime();
  const abs = Math.abs(deltaMs);
  const text =
    abs < 60_000
      ? `${Math.round(abs / 1000)}s`
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)}m`
        : abs < 86_400_000
          ? `${Math.round(abs / 3_600_000)}h`
          : `${Math.round(abs / 86_400_000)}d`;
  return deltaMs < 0 ? `${text} ago` : `in ${text}`;
}

export function formatProgressBar(doneBytes: number, totalBytes: number, width = 24): string {
  const ratio = totalBytes > 0 ? Math.min(1, doneBytes / totalBytes) : 1;
  const filled = Math.round(ratio * width);
  const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${percent} ${formatBytes(doneBytes)} / ${formatBytes(totalBytes)}`;
}

/** What a long operation shows while it runs; a no-op when the output is not a terminal. */
export interface Spinner {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

const SILENT_SPINNER: Spinner = {
  update() {},
  succeed() {},
  fail() {},
  stop() {},
};

export interface Output {
  /** `--json`: one JSON document on stdout, no decoration. */
  readonly json: boolean;
  /** stdout and stderr are terminals and not `--json`: spinners, colours, progress. */
  readonly interactive: boolean;
  write(text: string): void;
  printJson(value: unknown): void;
  printTable<T>(columns: readonly Column<T>[], rows: readonly T[]): void;
  /** A note for humans on stderr (never on stdout, which scripts parse). */
  note(text: string): void;
  spinner(text: string): Spinner;
  dim(text: string): string;
}

export function createOutput(options: {
  json: boolean;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
}): Output {
  const { json, stdout, stderr } = options;
  const interactive = !json && stdout.isTTY === true && stderr.isTTY === true;
  const colors = pc.createColors(interactive);
  return {
    json,
    interactive,
    write: (text) => {
      stdout.write(text);
    },
    printJson: (value) => {
      stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    },
    printTable: (columns, rows) => {
      stdout.write(formatTable(columns, rows, { bold: colors.bold }));
    },
    note: (text) => {
      stderr.write(`${text}\n`);
    },
    spinner: (text) => {
      if (!interactive) return SILENT_SPINNER;
      // On stderr, so even a terminal session's stdout carries only the result.
      const spinner = ora({ text, stream: stderr }).start();
      return {
        update: (next) => {
          spinner.text = next;
        },
        succeed: (done) => {
          spinner.succeed(done);
        },
        fail: (why) => {
          spinner.fail(why);
        },
        stop: () => {
          spinner.stop();
        },
      };
    },
    dim: colors.dim,
  };
}
