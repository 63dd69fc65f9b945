/** Formatting for people: sizes, durations and times, dense but unambiguous. */

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${UNITS[unit]}`;
}

export function formatMemoryMb(memoryMb: number): string {
  return memoryMb >= 1024 && memoryMb % 1024 === 0 ? `${memoryMb / 1024} GiB` : `${memoryMb} MiB`;
}

/** 45 s, 12 min, 3 h 5 min, 2 d 4 h. */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  const days = Math.floor(hours / 24);
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
}

export function formatAge(iso: string, nowMs: number): string {
  return formatDuration(nowMs - Date.parse(iso));
}

const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatDateTime(iso: string | null): string {
  return iso ? DATE_TIME.format(new Date(iso)) : "—";
}

export function formatRelative(iso: string | null, nowMs: number): string {
  if (!iso) return "never";
  const ago = nowMs - Date.parse(iso);
  return ago < 45_000 ? "just now" : `${formatDuration(ago)} ago`;
}

/** cl-abcdefghijklmnopqrstuvwxy → cl-abcdefgh… (the full id stays in title and links). */
export function shortId(id: string, keep = 11): string {
  return id.length > keep + 1 ? `${id.slice(0, keep)}…` : id;
}
