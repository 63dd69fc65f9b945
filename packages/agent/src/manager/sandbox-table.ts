import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import { isSandboxId, NotFoundError, type SandboxId } from "@wrenn/shared";
import type { Logger } from "pino";
import type { Layout } from "../layout.js";
import { parseRecord, type SandboxRecord, serializeRecord } from "./sandbox.js";

/**
 * The agent's in-memory table of sandboxes: the truth for this machine. Every change is also
 * written to the sandbox's record file so a restarted agent finds its sandboxes again.
 */
export function createSandboxTable(deps: { layout: Layout; log: Logger }) {
  const rows = new Map<SandboxId, SandboxRecord>();

  async function persist(record: SandboxRecord): Promise<void> {
    const path = deps.layout.sandboxRecord(record.id);
    const tmp = `${path}.tmp`;
    // Mode 0600: the record holds envd's token.
    await writeFile(tmp, serializeRecord(record), { mode: 0o600 });
    await rename(tmp, path);
  }

  return {
    get(id: SandboxId): SandboxRecord {
      const row = rows.get(id);
      if (!row) throw new NotFoundError("sandbox", id);
      return row;
    },
    find(id: SandboxId): SandboxRecord | undefined {
      return rows.get(id);
    },
    has(id: SandboxId): boolean {
      return rows.has(id);
    },
    list(): SandboxRecord[] {
      return [...rows.values()];
    },
    /** Keeps the record in memory only (before its directory exists). */
    track(record: SandboxRecord): void {
      rows.set(record.id, record);
    },
    async save(record: SandboxRecord): Promise<void> {
      rows.set(record.id, record);
      await persist(record);
    },
    forget(id: SandboxId): void {
      rows.delete(id);
    },
    /** Records left on disk by a previous agent run. */
    async loadFromDisk(): Promise<{ records: SandboxRecord[]; unreadable: string[] }> {
      const records: SandboxRecord[] = [];
      const unreadable: string[] = [];
      let names: string[];
      try {
        names = await readdir(deps.layout.sandboxesDir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records, unreadable };
        throw error;
      }
      for (const name of names) {
        if (!isSandboxId(name)) {
          unreadable.push(name);
          continue;
        }
        try {
          records.push(parseRecord(await readFile(deps.layout.sandboxRecord(name), "utf8")));
        } catch (error) {
          deps.log.warn({ err: error, sandboxId: name }, "unreadable sandbox record");
          unreadable.push(name);
        }
      }
      return { records, unreadable };
    },
  };
}

export type SandboxTable = ReturnType<typeof createSandboxTable>;
