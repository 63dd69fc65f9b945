import { Code, ConnectError } from "@connectrpc/connect";

export interface TableEntry {
  readonly pid: number;
  readonly tag: string | undefined;
}

/** `ProcessSelector.selector` as protobuf-es decodes it. */
export type Selector =
  | { case: "pid"; value: number }
  | { case: "tag"; value: string }
  | { case: undefined; value?: undefined };

export interface ProcessTableOptions {
  now: () => number;
  /** How long an exit stays visible to Connect. */
  retainExitedMs: number;
  /** Bound on remembered exits, whatever their age. */
  maxExited: number;
}

/**
 * Running processes by pid, plus recent exits so a client that reconnects just after the end
 * still gets start + end. Old exits are pruned on each change; no timers to leak.
 */
export function createProcessTable<T extends TableEntry>(options: ProcessTableOptions) {
  const running = new Map<number, T>();
  const exited = new Map<number, { entry: T; exitedAt: number }>();

  function prune(): void {
    const oldest = options.now() - options.retainExitedMs;
    for (const [pid, { exitedAt }] of exited) {
      if (exitedAt >= oldest && exited.size <= options.maxExited) break;
      exited.delete(pid);
    }
  }

  function lookup(selector: Selector | undefined, includeExited: boolean): T {
    prune();
    const choice = selector ?? { case: undefined };
    if (choice.case === "pid") {
      const found =
        running.get(choice.value) ?? (includeExited ? exited.get(choice.value)?.entry : undefined);
      if (found) return found;
      throw new ConnectError(`process with pid ${choice.value} not found`, Code.NotFound);
    }
    if (choice.case === "tag") {
      const found =
        findByTag(running.values(), choice.value) ??
        (includeExited
          ? findByTag(
              [...exited.values()].map((e) => e.entry),
              choice.value,
            )
          : undefined);
      if (found) return found;
      throw new ConnectError(`process with tag '${choice.value}' not found`, Code.NotFound);
    }
    throw new ConnectError("process selector is empty: set pid or tag", Code.InvalidArgument);
  }

  return {
    add(entry: T): void {
      // A recycled pid belongs to the new process.
      exited.delete(entry.pid);
      running.set(entry.pid, entry);
    },
    markExited(entry: T): void {
      if (running.get(entry.pid) === entry) running.delete(entry.pid);
      exited.delete(entry.pid);
      exited.set(entry.pid, { entry, exitedAt: options.now() });
      prune();
    },
    /** A running process, or a recent exit (for Connect). */
    find: (selector: Selector | undefined) => lookup(selector, true),
    /** Only running processes: input, signals and resizes need a live one. */
    findRunning: (selector: Selector | undefined) => lookup(selector, false),
    listRunning: (): T[] => [...running.values()],
  };
}

export type ProcessTable<T extends TableEntry> = ReturnType<typeof createProcessTable<T>>;

function findByTag<T extends TableEntry>(entries: Iterable<T>, tag: string): T | undefined {
  for (const entry of entries) if (entry.tag === tag) return entry;
  return undefined;
}
