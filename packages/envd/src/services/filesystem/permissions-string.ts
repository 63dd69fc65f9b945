const S_IFMT = 0o170000;

/** File-type letters in the order Go's `FileMode.String()` prints them. */
const TYPE_LETTERS: ReadonlyArray<readonly [letter: string, matches: (mode: number) => boolean]> = [
  ["d", (m) => (m & S_IFMT) === 0o040000],
  ["L", (m) => (m & S_IFMT) === 0o120000],
  ["D", (m) => (m & S_IFMT) === 0o060000 || (m & S_IFMT) === 0o020000],
  ["p", (m) => (m & S_IFMT) === 0o010000],
  ["S", (m) => (m & S_IFMT) === 0o140000],
  ["u", (m) => (m & 0o4000) !== 0],
  ["g", (m) => (m & 0o2000) !== 0],
  ["c", (m) => (m & S_IFMT) === 0o020000],
  ["t", (m) => (m & 0o1000) !== 0],
];

/**
 * A unix st_mode as Go's `os.FileMode.String()` prints it, which is what E2B's envd puts
 * in `EntryInfo.permissions`: `-rw-r--r--`, `drwxr-xr-x`, `Lrwxrwxrwx`, `dtrwxrwxrwx`.
 */
export function formatPermissions(mode: number): string {
  let out = "";
  for (const [letter, matches] of TYPE_LETTERS) if (matches(mode)) out += letter;
  if (out === "") out = "-";
  const rwx = "rwxrwxrwx";
  for (let i = 0; i < 9; i++) out += mode & (1 << (8 - i)) ? rwx[i] : "-";
  return out;
}
