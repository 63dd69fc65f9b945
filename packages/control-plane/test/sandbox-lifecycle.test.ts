import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { SandboxInfoSchema, SandboxStatus } from "@wrenn/proto/hostagent/v1";
import type { HostId, SandboxId, SandboxState, TeamId } from "@wrenn/shared";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Principal } from "../src/auth/principal.js";
import { createSecretBox } from "../src/auth/secret-box.js";
import { type Database, openDatabase } from "../src/db/client.js";
import { waitForEvent } from "../src/events/bus.js";
import { createInProcessEventBus } from "../src/events/in-process-bus.js";
import type { SandboxStateEvent } from "../src/events/types.js";
import { type AgentClient, toWrennError } from "../src/hosts/agent-client.js";
import { createHostClients } from "../src/hosts/host-clients.js";
import { createScheduler } from "../src/hosts/scheduler/scheduler.js";
import { createJobTracker } from "../src/services/jobs.js";
import { createSandboxTokens } from "../src/services/sandbox-tokens.js";
import { createSandboxService } from "../src/services/sandboxes.js";
import { createTeamHooks } from "../src/services/team-hooks.js";
import { insertTeam } from "../src/services/teams.js";
import { createTestDatabase, type TestDatabase } from "./helpers/database.js";

/*
 * The lifecycle rules against a scripted host agent (the neighbour of the service), on a real
 * database: order of states and events, failures, and a destroy racing a create. The real
 * agent is exercised in sandboxes-native.test.ts.
 */

const log = pino({ level: "silent" });
let testDb: TestDatabase;
let db: Database;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = await openDatabase(testDb.target, log);
});
afterAll(async () => {
  await db?.close();
  await testDb?.drop();
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A host agent whose answers each test scripts; it records what it was asked. */
function scriptedAgent() {
  const calls: string[] = [];
  const running = (sandboxId: string) =>
    create(SandboxInfoSchema, { sandboxId, status: SandboxStatus.RUNNING });
  const script = {
    createGate: null as Promise<void> | null,
    createError: null as Error | null,
    pauseError: null as Error | null,
  };
  const agent: Partial<AgentClient> = {
    async createSandbox(req) {
      calls.push(`create ${req.sandboxId}`);
      if (script.createGate) await script.createGate;
      if (script.createError) throw script.createError;
      return {
        $typeName: "hostagent.v1.CreateSandboxResponse",
        sandbox: running(req.sandboxId ?? ""),
      };
    },
    async destroySandbox(req) {
      calls.push(`destroy ${req.sandboxId}`);
      return { $typeName: "hostagent.v1.DestroySandboxResponse" };
    },
    async getSandbox(req) {
      return {
        $typeName: "hostagent.v1.GetSandboxResponse",
        sandbox: running(req.sandboxId ?? ""),
      };
    },
    async pauseSandbox(req) {
      calls.push(`pause ${req.sandboxId}`);
      if (script.pauseError) throw script.pauseError;
      return { $typeName: "hostagent.v1.PauseSandboxResponse" };
    },
  };
  // Only the methods above are ever called by these tests.
  return { agent: agent as AgentClient, calls, script };
}

async function setup() {
  const events = createInProcessEventBus(log);
  const jobs = createJobTracker(log);
  const fake = scriptedAgent();
  const host = await db.queries.hosts.insert({ address: "fake:1" });
  const hosts = createHostClients({ hosts: db.queries.hosts, connect: () => fake.agent });
  // Only this test's host is online, so the scheduler picks it.
  for (const other of await db.queries.hosts.list(["online"])) {
    if (other.id !== host.id) {
      await db.queries.hosts.transition(other.id, { from: ["online"], to: "unreachable" });
    }
  }
  const { sandboxes } = createSandboxService({
    db,
    events,
    jobs,
    hosts,
    scheduler: createScheduler({ hosts: db.queries.hosts, sandboxes: db.queries.sandboxes }),
    tokens: createSandboxTokens(randomBytes(32).toString("hex")),
    secretBox: createSecretBox(randomBytes(32).toString("hex")),
    log,
    clock: () => new Date(),
    teamHooks: createTeamHooks(log),
  });
  const team = await insertTeam(db.queries, `lifecycle ${randomBytes(3).toString("hex")}`);
  const actor: Principal = {
    via: "api_key",
    teamId: team.id as TeamId,
    keyId: "key-00000000-0000-4000-8000-000000000000" as Principal["keyId"] & string,
  };
  const seen: SandboxStateEvent[] = [];
  events.subscribe("sandbox.state", (event) => {
    seen.push(event);
  });
  const statesOf = (id: SandboxId) =>
    seen.filter((e) => e.sandboxId === id).map((e) => `${e.from ?? "∅"}→${e.to}`);
  const wait = (id: SandboxId, states: SandboxState[]) =>
    sandboxes.waitForState(actor.teamId, id, states, AbortSignal.timeout(10_000));
  async function close() {
    await jobs.close();
    await events.close();
    await db.queries.hosts.transition(host.id as HostId, { from: ["online"], to: "unreachable" });
  }
  return { sandboxes, actor, fake, events, statesOf, wait, close };
}

describe("sandbox lifecycle", () => {
  it("answers pending at once, then starts on the host, with one event per state", async () => {
    const t = await setup();
    const { sandbox, access } = await t.sandboxes.create(t.actor, { envVars: { A: "1" } });
    expect(sandbox.state).toBe("pending");
    expect(access.envdAccessToken).toBeTruthy();
    expect(sandbox.envVarsSealed).not.toContain('"A"');
    const running = await t.wait(sandbox.id, ["running"]);
    expect(running.state).toBe("running");
    expect(t.fake.calls).toEqual([`create ${sandbox.id}`]);
    await expect
      .poll(() => t.statesOf(sandbox.id))
      .toEqual(["∅→pending", "pending→starting", "starting→running"]);
    await t.close();
  });

  it("records a create the host refuses as error, with its reason, and waiters hear it", async () => {
    const t = await setup();
    t.fake.script.createError = toWrennError(
      new ConnectError("template x not found", Code.NotFound),
      "CreateSandbox",
    );
    const { sandbox } = await t.sandboxes.create(t.actor, {});
    await expect(t.wait(sandbox.id, ["running"])).rejects.toThrow(/template x not found/);
    const failed = await t.sandboxes.get(t.actor.teamId, sandbox.id);
    expect(failed).toMatchObject({ state: "error", statusReason: "template x not found" });
    await t.close();
  });

  it("lets a destroy asked for during the create wait for it, then destroys on the host", async () => {
    const t = await setup();
    const gate = deferred();
    t.fake.script.createGate = gate.promise;
    const { sandbox } = await t.sandboxes.create(t.actor, {});
    await waitForEvent(
      t.events,
      "sandbox.state",
      (e) => e.sandboxId === sandbox.id && e.to === "starting",
      AbortSignal.timeout(5_000),
    );
    const stopping = await t.sandboxes.destroy(t.actor.teamId, sandbox.id);
    expect(stopping.state).toBe("stopping");
    gate.resolve();
    const stopped = await t.wait(sandbox.id, ["stopped"]);
    expect(stopped.statusReason).toBe("destroyed on request");
    // The create finished first (the destroy was queued behind it), then the destroy ran.
    expect(t.fake.calls).toEqual([`create ${sandbox.id}`, `destroy ${sandbox.id}`]);
    expect(t.statesOf(sandbox.id)).not.toContain("starting→running");
    await t.close();
  });

  it("puts a sandbox whose pause the host refuses back to running, saying why", async () => {
    const t = await setup();
    t.fake.script.pauseError = toWrennError(
      new ConnectError("not implemented", Code.Unimplemented),
      "PauseSandbox",
    );
    const { sandbox } = await t.sandboxes.create(t.actor, {});
    await t.wait(sandbox.id, ["running"]);
    const pausing = await t.sandboxes.pause(t.actor.teamId, sandbox.id);
    expect(pausing.state).toBe("pausing");
    await expect
      .poll(async () => (await t.sandboxes.get(t.actor.teamId, sandbox.id)).state)
      .toBe("running");
    const back = await t.sandboxes.get(t.actor.teamId, sandbox.id);
    expect(back.statusReason).toBe(
      "pause failed: the host agent does not support PauseSandbox yet",
    );
    await t.close();
  });

  it("keeps other teams out of waitForState, and honours its signal", async () => {
    const t = await setup();
    const { sandbox } = await t.sandboxes.create(t.actor, {});
    const other = await insertTeam(db.queries, "someone else");
    await expect(
      t.sandboxes.waitForState(other.id, sandbox.id, ["running"], AbortSignal.timeout(5_000)),
    ).rejects.toThrow(/not found/);
    await t.wait(sandbox.id, ["running"]);
    await expect(
      t.sandboxes.waitForState(
        t.actor.teamId,
        sandbox.id,
        ["paused"],
        AbortSignal.abort(new Error("gave up")),
      ),
    ).rejects.toThrow("gave up");
    await t.close();
  });
});
