/** Decorative icons: always beside text that says the same, so hidden from screen readers. */
const base = {
  viewBox: "0 0 16 16",
  className: "inline-block size-3.5 shrink-0 align-[-2px]",
  fill: "none",
  stroke: "currentColor",
  strokeWidth: 1.4,
} as const;

export function FolderIcon() {
  return (
    <svg aria-hidden="true" {...base}>
      <path d="M1.5 4.5a1 1 0 0 1 1-1h3.6l1.4 1.5h6a1 1 0 0 1 1 1v6.5a1 1 0 0 1-1 1h-11a1 1 0 0 1-1-1z" />
    </svg>
  );
}

export function FileIcon() {
  return (
    <svg aria-hidden="true" {...base}>
      <path d="M3.5 1.5h5.5l3.5 3.5v9.5h-9z M9 1.5v3.5h3.5" />
    </svg>
  );
}

export function LinkIcon() {
  return (
    <svg aria-hidden="true" {...base}>
      <path d="M6.5 9.5l3-3 M7 4.5l1.5-1.5a2.5 2.5 0 0 1 3.5 3.5L10.5 8 M9 11.5l-1.5 1.5a2.5 2.5 0 0 1-3.5-3.5L5.5 8" />
    </svg>
  );
}
