import { fileURLToPath } from "node:url";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePgDb } from "drizzle-orm/node-postgres/migrator";
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { migrate as migratePgliteDb } from "drizzle-orm/pglite/migrator";
import type { Pool } from "pg";

/*
 * The SQL files stay in src/db/migrations (drizzle-kit writes them there and tsc does not copy
 * them), and both src/db/migrate.ts and dist/db/migrate.js sit two levels below the package root.
 */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../../src/db/migrations", import.meta.url));

// Any constant works; it only has to be the same for every replica of the control plane.
const MIGRATION_LOCK_KEY = 0x77_72_65_6e; // "wren"

export async function migratePglite(db: PgliteDatabase): Promise<void> {
  // PGlite is one connection in this process: nothing can race the migration.
  await migratePgliteDb(db, { migrationsFolder: MIGRATIONS_DIR });
}

/**
 * Replicas starting together would race on CREATE TABLE; a session advisory lock on one
 * dedicated connection serialises them, and the later ones find nothing left to apply.
 */
export async function migratePostgres(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    try {
      await migratePgDb(drizzlePg({ client }), { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    }
  } finally {
    client.release();
  }
}
