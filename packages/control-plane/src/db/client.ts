import { AsyncLocalStorage } from "node:async_hooks";
import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import pg from "pg";
import type { Logger } from "pino";
import type { DatabaseTarget } from "../config.js";
import { migratePglite, migratePostgres } from "./migrate.js";
import { createQueries, type Queries } from "./queries/index.js";

/** A Drizzle handle of either driver, or a transaction of one; what query modules run on. */
export type Executor = PgDatabase<PgQueryResultHKT>;

/**
 * The one place that knows whether it talks to PGlite or to PostgreSQL. Callers get query
 * modules and a transaction helper, and never see the driver differences:
 * - PGlite is one connection: a query on the outer handle while a transaction is open waits
 *   for that transaction forever. `transaction` therefore hands its callback a fresh set of
 *   query modules bound to the transaction, and callers must use only those inside it.
 * - Counts arrive as numbers from PGlite and as strings from pg: the query modules use
 *   Drizzle's `count()`, which maps both to a number.
 */
export interface Database {
  readonly kind: DatabaseTarget["kind"];
  /** Query modules on the pool (or the PGlite connection). Never use them inside `transaction`. */
  readonly queries: Queries;
  transaction<T>(fn: (tx: Queries) => Promise<T>): Promise<T>;
  /** Throws when the database does not answer; for /health. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Opens the database named by `target` and applies every pending migration before returning. */
export async function openDatabase(target: DatabaseTarget, log: Logger): Promise<Database> {
  return target.kind === "pglite" ? openPglite(target.dataDir, log) : openPostgres(target.url, log);
}

async function openPglite(dataDir: string | null, log: Logger): Promise<Database> {
  if (dataDir) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const client = dataDir ? await PGlite.create(dataDir) : await PGlite.create();
  const db = drizzlePglite({ client });
  try {
    await migratePglite(db);
  } catch (error) {
    await client.close();
    throw new Error(`migrating the embedded database in ${dataDir ?? "memory"} failed`, {
      cause: error,
    });
  }
  log.info({ dataDir: dataDir ?? "memory" }, "embedded database ready");
  return wrap("pglite", db, () => client.close());
}

async function openPostgres(url: string, log: Logger): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client losing its connection emits 'error' on the pool; unhandled, it kills the process.
  pool.on("error", (error) => log.warn({ err: error }, "idle PostgreSQL connection failed"));
  const db = drizzlePg({ client: pool });
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw new Error("migrating the PostgreSQL database failed", { cause: error });
  }
  log.info("PostgreSQL database ready");
  return wrap("postgres", db, () => pool.end());
}

function wrap(kind: Database["kind"], db: Executor, close: () => Promise<void>): Database {
  const openTransaction = new AsyncLocalStorage<{ open: boolean }>();
  return {
    kind,
    queries: guardOuterQueries(createQueries(db), openTransaction),
    async transaction(fn) {
      const state = { open: true };
      try {
        return await openTransaction.run(state, () =>
          db.transaction((tx) => fn(createQueries(tx))),
        );
      } finally {
        state.open = false;
      }
    },
    async ping() {
      await db.execute(sql`select 1`);
    },
    close,
  };
}

/**
 * Makes the PGlite hang loud: a query on the outer handle from inside a transaction callback
 * throws at once (on both drivers, so code that would hang on PGlite fails in every test run).
 * Work started inside a transaction but running after it ended is not affected.
 */
function guardOuterQueries(
  queries: Queries,
  transaction: AsyncLocalStorage<{ open: boolean }>,
): Queries {
  const guarded: Record<string, Record<string, unknown>> = {};
  for (const [table, module] of Object.entries(queries)) {
    const methods: Record<string, unknown> = {};
    for (const [name, fn] of Object.entries(module)) {
      if (typeof fn !== "function") continue;
      const call: (...args: unknown[]) => unknown = fn;
      methods[name] = (...args: unknown[]) => {
        if (transaction.getStore()?.open) {
          throw new Error(
            `db.queries.${table}.${name} called inside db.transaction(): use the transaction's queries`,
          );
        }
        return call(...args);
      };
    }
    guarded[table] = methods;
  }
  // Same shape, every method wrapped one for one.
  return guarded as Queries;
}

/**
 * True when `error` (or an error it wraps: Drizzle wraps driver errors) is a unique violation,
 * optionally of the named constraint or index.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const fields = e as Error & { code?: unknown; constraint?: unknown };
    if (fields.code === "23505")
      return constraint === undefined || fields.constraint === constraint;
  }
  return false;
}
