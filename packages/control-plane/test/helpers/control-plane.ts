import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from "fastify";
import { expect } from "vitest";
import type { SessionView } from "../../src/api/auth/schemas.js";
import type { ErrorBody } from "../../src/api/schemas.js";
import { type Config, loadConfig } from "../../src/config.js";
import type { ControlPlaneExtension } from "../../src/extensions.js";
import { type ControlPlane, createControlPlane } from "../../src/index.js";
import { createLogger } from "../../src/log.js";
import { createTestDatabase } from "./database.js";

export interface TestUser {
  readonly id: string;
  readonly email: string;
  readonly password: string;
  readonly token: string;
  /** The default team made at signup, of which the user is the owner. */
  readonly teamId: string;
}

export interface Harness {
  readonly cp: ControlPlane;
  readonly app: FastifyInstance;
  readonly config: Config;
  /** Every log line the control plane wrote, as JSON text. */
  readonly logs: string[];
  /** A new user with a unique email. */
  signup(label?: string): Promise<TestUser>;
  inject(options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly env?: Record<string, string>;
  readonly extensions?: readonly ControlPlaneExtension[];
  readonly clock?: () => Date;
}

/** The real control plane on a fresh database (see database.ts), driven through inject(). */
export async function startControlPlane(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), "wrenn-cp-test-"));
  const database = await createTestDatabase();
  const config: Config = {
    ...loadConfig({
      WRENN_DIR: dataDir,
      WRENN_JWT_SECRET: randomBytes(32).toString("hex"),
      WRENN_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      // Generous by default: only the rate-limit tests want to hit a limit.
      WRENN_RATE_LIMIT_PER_MINUTE: "100000",
      WRENN_AUTH_RATE_LIMIT_PER_MINUTE: "100000",
      // The API suite runs without a host agent; test/sandboxes*.test.ts start the real one.
      WRENN_EMBEDDED_AGENT: "false",
      ...options.env,
    }),
    database: database.target,
  };
  const logs: string[] = [];
  const log = createLogger({ level: "info", destination: { write: (line) => logs.push(line) } });
  const cp = await createControlPlane({
    config,
    log,
    ...(options.extensions && { extensions: options.extensions }),
    ...(options.clock && { clock: options.clock }),
  });
  const inject = (opts: InjectOptions) => cp.app.inject(opts);

  return {
    cp,
    app: cp.app,
    config,
    logs,
    inject,
    async signup(label = "user") {
      const email = `${label}-${randomBytes(4).toString("hex")}@example.com`;
      const password = `pw-${randomBytes(8).toString("hex")}`;
      const res = await inject({
        method: "POST",
        url: "/v1/auth/signup",
        payload: { email, password, name: label },
      });
      expect(res.statusCode, res.body).toBe(201);
      const session = res.json<SessionView>();
      if (!session.team) throw new Error("signup gave no team");
      return {
        id: session.user.id,
        email,
        password,
        token: session.token,
        teamId: session.team.id,
      };
    },
    async close() {
      await cp.close();
      await database.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export function bearer(user: { token: string }, teamId?: string): Record<string, string> {
  return { authorization: `Bearer ${user.token}`, ...(teamId && { "x-team-id": teamId }) };
}

/** Asserts the E2B-shaped error body and returns it. */
export function expectError(res: LightMyRequestResponse, status: number): ErrorBody {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  const body = res.json<ErrorBody>();
  expect(body.code).toBe(status);
  expect(typeof body.message).toBe("string");
  expect(typeof body.error_code).toBe("string");
  return body;
}
