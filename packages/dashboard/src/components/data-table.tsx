import type { ReactNode } from "react";

export interface Column<T> {
  header: string;
  cell: (row: T) => ReactNode;
  className?: string;
  /** Hide the label in the stacked (phone) layout, e.g. for a row of action buttons. */
  bareOnPhone?: boolean;
}

export interface DataTableProps<T> {
  caption: string;
  columns: Column<T>[];
  rows: T[];
  rowKey: (row: T) => string;
  empty: ReactNode;
}

/**
 * A real <table> at laptop widths; under 640px each row becomes a card of "label: value" lines
 * (the labels are the column headers repeated, hidden from screen readers, which still get the
 * table's own headers from the caption and <th> cells).
 */
export function DataTable<T>({ caption, columns, rows, rowKey, empty }: DataTableProps<T>) {
  if (rows.length === 0) {
    return <div className="rounded-lg border border-line bg-surface p-6 text-center">{empty}</div>;
  }
  return (
    <div className="rounded-lg border border-line bg-surface max-sm:border-0 max-sm:bg-transparent">
      <table className="w-full border-collapse text-sm max-sm:block">
        <caption className="sr-only">{caption}</caption>
        <thead className="max-sm:hidden">
          <tr className="border-b border-line text-left text-xs text-muted">
            {columns.map((column) => (
              <th
                key={column.header}
                scope="col"
                className={`px-3 py-2 font-medium ${column.className ?? ""}`}
              >
                {column.header}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="max-sm:flex max-sm:flex-col max-sm:gap-2">
          {rows.map((row) => (
            <tr
              key={rowKey(row)}
              className="border-b border-line last:border-0 hover:bg-raised/50 max-sm:flex max-sm:flex-col max-sm:gap-1 max-sm:rounded-lg max-sm:border max-sm:bg-surface max-sm:p-3 max-sm:last:border"
            >
              {columns.map((column) => (
                <td
                  key={column.header}
                  className={`px-3 py-2 align-middle max-sm:flex max-sm:items-center max-sm:gap-2 max-sm:p-0 ${column.className ?? ""}`}
                >
                  {!column.bareOnPhone && (
                    <span aria-hidden="true" className="w-24 shrink-0 text-xs text-muted sm:hidden">
                      {column.header}
                    </span>
                  )}
                  {column.cell(row)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
