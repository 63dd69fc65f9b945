import { randomBytes } from "node:crypto";
import pg from "pg";
import type { DatabaseTarget } from "../../src/config.js";

export interface TestDatabase {
  readonly target: DatabaseTarget;
  /** Drops the database (PostgreSQL); nothing to do for in-memory PGlite. */
  drop(): Promise<void>;
}

/**
 * In-memory PGlite by default. With WRENN_TEST_DATABASE_URL (a role allowed to CREATE DATABASE,
 * see scripts/ci/start-postgres.sh), a fresh, uniquely named PostgreSQL database per call,
 * dropped afterwards, so test files run in parallel without seeing each other's rows.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.WRENN_TEST_DATABASE_URL;
  if (!adminUrl) return { target: { kind: "pglite", dataDir: null }, drop: async () => {} };

  const name = `wrenn_test_${process.pid}_${randomBytes(4).toString("hex")}`;
  await withAdmin(adminUrl, (client) => client.query(`create database "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    target: { kind: "postgres", url: url.toString() },
    drop: () =>
      withAdmin(adminUrl, (client) =>
        client.query(`drop database if exists "${name}" with (force)`),
      ),
  };
}

async function withAdmin(url: string, fn: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await fn(client);
  } finally {
    await client.end();
  }
}
