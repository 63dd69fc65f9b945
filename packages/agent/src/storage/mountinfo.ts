/** One line of /proc/<pid>/mountinfo (proc(5)), with the fields storage needs. */
export interface MountEntry {
  readonly mountId: number;
  /** Where it is mounted, unescaped. */
  readonly mountPoint: string;
  readonly fsType: string;
  /** e.g. /dev/loop3 for a loop-mounted image, "overlay" for an overlay. */
  readonly source: string;
  /** Filesystem-specific options, e.g. lowerdir=…,upperdir=… for overlayfs. */
  readonly superOptions: string;
}

/**
 * Parses mountinfo text. The kernel escapes space, tab, newline and backslash in paths as
 * octal (`\040`), so a path with spaces still splits into the right fields.
 */
export function parseMountInfo(text: string): MountEntry[] {
  const entries: MountEntry[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const fields = line.split(" ");
    // Optional fields (shared:N, master:N…) come before a lone "-".
    const dash = fields.indexOf("-", 6);
    const mountId = Number(fields[0]);
    const mountPoint = fields[4];
    const fsType = fields[dash + 1];
    const source = fields[dash + 2];
    const superOptions = fields[dash + 3];
    if (
      dash < 0 ||
      !Number.isInteger(mountId) ||
      mountPoint === undefined ||
      fsType === undefined ||
      source === undefined ||
      superOptions === undefined
    ) {
      throw new Error(`unexpected mountinfo line: ${line}`);
    }
    entries.push({
      mountId,
      mountPoint: unescapeOctal(mountPoint),
      fsType,
      source: unescapeOctal(source),
      superOptions: unescapeOctal(superOptions),
    });
  }
  return entries;
}

/** The lower directories of an overlay mount, top first; [] for any other filesystem. */
export function overlayLowerDirs(entry: MountEntry): string[] {
  if (entry.fsType !== "overlay") return [];
  const dirs: string[] = [];
  for (const option of entry.superOptions.split(",")) {
    // Kernels ≥ 6.8 may show one "lowerdir+=" per layer instead of one colon-joined list.
    if (option.startsWith("lowerdir=")) dirs.push(...option.slice("lowerdir=".length).split(":"));
    else if (option.startsWith("lowerdir+=")) dirs.push(option.slice("lowerdir+=".length));
  }
  return dirs;
}

function unescapeOctal(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) =>
    String.fromCharCode(Number.parseInt(octal, 8)),
  );
}
