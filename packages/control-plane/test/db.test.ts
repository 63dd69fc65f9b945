import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { newSandboxId, type TeamId, type UserId } from "@wrenn/shared";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Database, openDatabase } from "../src/db/client.js";
import { BASE_TEMPLATE } from "../src/db/platform.js";
import type { Queries } from "../src/db/queries/index.js";
import type { NewSandbox } from "../src/db/queries/sandboxes.js";
import { insertTeam } from "../src/services/teams.js";
import { createTestDatabase, type TestDatabase } from "./helpers/database.js";

const log = pino({ level: "silent" });
let testDb: TestDatabase;
let db: Database;
let q: Queries;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase(testDb.target, log);
  q = db.queries;
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

let counter = 0;
async function userWithTeam(): Promise<{ userId: UserId; teamId: TeamId }> {
  counter += 1;
  const user = await q.users.insert({
    email: `db-${counter}-${Date.now()}@example.com`,
    name: "",
    passwordHash: null,
  });
  if (!user) throw new Error("email taken");
  const team = await insertTeam(q, `team ${counter}`);
  await q.usersTeams.insert({ userId: user.id, teamId: team.id, role: "owner", isDefault: true });
  return { userId: user.id, teamId: team.id };
}

async function sandbox(teamId: TeamId, extra: Partial<NewSandbox> = {}) {
  const base = await q.templates.getVisibleByName(teamId, "base");
  if (!base) throw new Error("no base template");
  return q.sandboxes.insert({
    id: newSandboxId(),
    teamId,
    templateId: base.id,
    createdBy: null,
    vcpus: 1,
    memoryMb: 512,
    timeoutMs: 300_000,
    metadata: {},
    envVarsSealed: null,
    autoPause: false,
    autoResume: false,
    allowInternetAccess: true,
    envdAccessTokenHash: null,
    trafficAccessTokenHash: null,
    ...extra,
  });
}

describe("migrations", () => {
  it("apply once and are a no-op on the next start", async () => {
    const dir = await mkdtemp(join(tmpdir(), "wrenn-db-test-"));
    const target =
      testDb.target.kind === "pglite" ? { kind: "pglite" as const, dataDir: dir } : testDb.target;
    try {
      await (await openDatabase(target, log)).close();
      const again = await openDatabase(target, log);
      const { teamId } = await userWithTeam();
      expect((await again.queries.templates.getVisibleByName(teamId, "base"))?.type).toBe("base");
      await again.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("templates", () => {
  it("show the platform's base template to every team, shadowed by a team's own", async () => {
    const a = await userWithTeam();
    const b = await userWithTeam();
    const platformBase = await q.templates.getVisibleByName(a.teamId, "base");
    expect(platformBase).toMatchObject({ isPlatform: true, type: "base" });
    expect(platformBase?.id).toBe(`tpl-${BASE_TEMPLATE.id}`);

    const own = await q.templates.insert({
      teamId: a.teamId,
      name: "base",
      type: "snapshot",
      vcpus: 2,
      memoryMb: 1024,
      createdBy: a.userId,
    });
    expect((await q.templates.getVisibleByName(a.teamId, "base"))?.id).toBe(own?.id);
    expect((await q.templates.getVisibleByName(b.teamId, "base"))?.isPlatform).toBe(true);
    if (!own) throw new Error("insert failed");
    expect(await q.templates.getVisible(b.teamId, own.id)).toBeNull();
    expect(await q.templates.deleteForTeam(b.teamId, own.id)).toBe(false);
    if (!platformBase) throw new Error("no base");
    expect(await q.templates.deleteForTeam(a.teamId, platformBase.id)).toBe(false);
  });
});

describe("sandbox status writes", () => {
  it("are conditional on the current status", async () => {
    const { teamId } = await userWithTeam();
    const created = await sandbox(teamId);
    expect(created.state).toBe("pending");
    const started = await q.sandboxes.transition(created.id, { from: "pending", to: "starting" });
    expect(started?.state).toBe("starting");
    expect(
      await q.sandboxes.transition(created.id, { from: "pending", to: "starting" }),
    ).toBeNull();
    await expect(
      q.sandboxes.transition(created.id, { from: "stopped", to: "running" }),
    ).rejects.toThrow(/not in SANDBOX_TRANSITIONS/);
  });

  it("let exactly one of two racing writers win", async () => {
    const { teamId } = await userWithTeam();
    const s = await sandbox(teamId);
    await q.sandboxes.transition(s.id, { from: "pending", to: "starting" });
    await q.sandboxes.transition(s.id, { from: "starting", to: "running" });
    const results = await Promise.all([
      q.sandboxes.transition(s.id, { from: "running", to: "pausing" }),
      q.sandboxes.transition(s.id, { from: "running", to: "stopping" }),
    ]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
  });

  it("keep other teams out and filter by status and metadata, newest first", async () => {
    const a = await userWithTeam();
    const b = await userWithTeam();
    const first = await sandbox(a.teamId, { metadata: { env: "prod", app: "x" } });
    const second = await sandbox(a.teamId, { metadata: { env: "dev" } });
    expect(await q.sandboxes.getForTeam(b.teamId, first.id)).toBeNull();
    const prod = await q.sandboxes.listForTeam(a.teamId, { metadata: { env: "prod" }, limit: 10 });
    expect(prod.map((s) => s.id)).toEqual([first.id]);
    const page1 = await q.sandboxes.listForTeam(a.teamId, { states: ["pending"], limit: 1 });
    expect(page1.map((s) => s.id)).toEqual([second.id]);
    const last = page1[0];
    if (!last) throw new Error("empty page");
    const page2 = await q.sandboxes.listForTeam(a.teamId, {
      states: ["pending"],
      limit: 1,
      after: { createdAt: last.createdAt, id: last.id },
    });
    expect(page2.map((s) => s.id)).toEqual([first.id]);
    expect(await q.sandboxes.countForTeam(a.teamId, ["pending"])).toBe(2);
  });
});

describe("counts and cascades", () => {
  it("return counts as numbers on both drivers", async () => {
    const { teamId } = await userWithTeam();
    const owners = await q.usersTeams.countOwners(teamId);
    expect(owners).toBe(1);
    expect(typeof owners).toBe("number");
  });

  it("deleting a user drops their memberships and keeps what they created", async () => {
    const { userId, teamId } = await userWithTeam();
    const key = await q.apiKeys.insert({
      teamId,
      name: "k",
      keyHash: `h-${userId}`,
      keyPrefix: "wrn_x",
      createdBy: userId,
    });
    await q.auditLogs.insert({
      teamId,
      actorUserId: userId,
      actorKeyId: null,
      action: "test",
      resourceType: "user",
      resourceId: userId,
      data: {},
    });
    const s = await sandbox(teamId, { createdBy: userId });
    expect(await q.users.delete(userId)).toBe(true);
    expect(await q.usersTeams.listForTeam(teamId)).toEqual([]);
    expect((await q.apiKeys.getForTeam(teamId, key.id))?.createdBy).toBeNull();
    expect((await q.sandboxes.get(s.id))?.createdBy).toBeNull();
    const [entry] = await q.auditLogs.listForTeam(teamId, 10);
    expect(entry).toMatchObject({ action: "test", actorUserId: null });
  });

  it("refuse outer-handle queries inside a transaction instead of hanging (PGlite)", async () => {
    const { userId } = await userWithTeam();
    await expect(db.transaction(() => q.users.get(userId))).rejects.toThrow(
      /db.queries.users.get called inside db.transaction/,
    );
    await expect(db.transaction((tx) => tx.users.get(userId))).resolves.toMatchObject({
      id: userId,
    });
    expect(await q.users.get(userId)).not.toBeNull();
  });

  it("transactions roll back as a whole", async () => {
    const { userId, teamId } = await userWithTeam();
    await expect(
      db.transaction(async (tx) => {
        await tx.usersTeams.updateRole(userId, teamId, "member");
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect((await q.usersTeams.get(userId, teamId))?.role).toBe("owner");
  });
});
