import { type UserId, userIds } from "@wrenn/shared";
import { count, eq } from "drizzle-orm";
import type { Executor } from "../client.js";
import { users } from "../schema.js";

export interface User {
  readonly id: UserId;
  readonly email: string;
  readonly name: string;
  readonly createdAt: Date;
}

export interface UserWithPassword extends User {
  readonly passwordHash: string | null;
}

type UserRow = typeof users.$inferSelect;

export function toUser(row: UserRow): User {
  return {
    id: userIds.fromUuid(row.id),
    email: row.email,
    name: row.name,
    createdAt: row.createdAt,
  };
}

export function createUserQueries(db: Executor) {
  return {
    async get(id: UserId): Promise<User | null> {
      const [row] = await db
        .select()
        .from(users)
        .where(eq(users.id, userIds.toUuid(id)));
      return row ? toUser(row) : null;
    },

    async count(): Promise<number> {
      const [row] = await db.select({ n: count() }).from(users);
      return row?.n ?? 0;
    },

    /** `email` must already be normalised (lowercase). */
    async getByEmail(email: string): Promise<UserWithPassword | null> {
      const [row] = await db.select().from(users).where(eq(users.email, email));
      return row ? { ...toUser(row), passwordHash: row.passwordHash } : null;
    },

    /** Returns null when the email is taken (no exception, so a transaction stays usable). */
    async insert(values: {
      email: string;
      name: string;
      passwordHash: string | null;
    }): Promise<User | null> {
      const [row] = await db
        .insert(users)
        .values(values)
        .onConflictDoNothing({ target: users.email })
        .returning();
      return row ? toUser(row) : null;
    },

    /**
     * Memberships go with the user (ON DELETE CASCADE); keys, templates, sandboxes and audit
     * entries they made stay, with their creator set to null. Leaving teams ownerless is the
     * caller's rule to check first.
     */
    async delete(id: UserId): Promise<boolean> {
      const rows = await db
        .delete(users)
        .where(eq(users.id, userIds.toUuid(id)))
        .returning({ id: users.id });
      return rows.length > 0;
    },

    async update(id: UserId, values: { name?: string }): Promise<User | null> {
      const [row] = await db
        .update(users)
        .set(values)
        .where(eq(users.id, userIds.toUuid(id)))
        .returning();
      return row ? toUser(row) : null;
    },
  };
}

export type UserQueries = ReturnType<typeof createUserQueries>;
