import { Button } from "./button.js";

export interface KeyValueRow {
  id: number;
  key: string;
  value: string;
}

export function rowsToRecord(rows: KeyValueRow[]): Record<string, string> | undefined {
  const entries = rows
    .filter((row) => row.key.trim() !== "")
    .map((row) => [row.key.trim(), row.value]);
  return entries.length ? Object.fromEntries(entries) : undefined;
}

/** Rows of name = value inputs (env vars, metadata); every input has its own label. */
export function KeyValueEditor({
  legend,
  rows,
  onChange,
  keyPlaceholder = "NAME",
}: {
  legend: string;
  rows: KeyValueRow[];
  onChange: (rows: KeyValueRow[]) => void;
  keyPlaceholder?: string;
}) {
  const update = (id: number, patch: Partial<KeyValueRow>) =>
    onChange(rows.map((row) => (row.id === id ? { ...row, ...patch } : row)));
  const nextId = rows.reduce((max, row) => Math.max(max, row.id), 0) + 1;
  return (
    <fieldset className="flex flex-col gap-1.5">
      <legend className="mb-1 text-xs font-medium text-muted">{legend}</legend>
      {rows.map((row, index) => (
        <div key={row.id} className="flex items-center gap-1.5">
          <input
            aria-label={`${legend} ${index + 1} name`}
            className="h-8 w-2/5 rounded-md border border-line bg-surface px-2 font-mono text-xs"
            placeholder={keyPlaceholder}
            value={row.key}
            onChange={(event) => update(row.id, { key: event.target.value })}
          />
          <span aria-hidden="true" className="text-muted">
            =
          </span>
          <input
            aria-label={`${legend} ${index + 1} value`}
            className="h-8 min-w-0 flex-1 rounded-md border border-line bg-surface px-2 font-mono text-xs"
            placeholder="value"
            value={row.value}
            onChange={(event) => update(row.id, { value: event.target.value })}
          />
          <Button
            size="sm"
            variant="ghost"
            aria-label={`Remove ${legend.toLowerCase()} ${index + 1}`}
            onClick={() => onChange(rows.filter((other) => other.id !== row.id))}
          >
            ×
          </Button>
        </div>
      ))}
      <div>
        <Button
          size="sm"
          variant="ghost"
          onClick={() => onChange([...rows, { id: nextId, key: "", value: "" }])}
        >
          + Add {legend.toLowerCase().replace(/s$/, "")}
        </Button>
      </div>
    </fieldset>
  );
}
