import { randomBytes } from "node:crypto";
import { loadConfig } from "../../src/config.js";
import { type ControlPlane, createControlPlane } from "../../src/index.js";
import { createLogger } from "../../src/log.js";
import { createTestDatabase } from "./database.js";

/**
 * WRENN_DIR for the embedded agent: the machine's data directory, as the agent's own tests use,
 * so the base template (about a minute to build) is built once per machine. WRENN_TEST_DIR moves
 * it. Never deleted here: it holds the agent's templates and slot state.
 */
function wrennDir(): string {
  return process.env.WRENN_TEST_DIR ?? "/var/lib/wrenn";
}

export interface RealServer {
  readonly cp: ControlPlane;
  /** `http://127.0.0.1:<port>`: the API and the sandbox proxy on one origin (Recipe A). */
  readonly url: string;
  /** A new user with a new team and an API key of it (`wrn_…`), made through the API. */
  newTeamKey(label: string): Promise<string>;
  close(): Promise<void>;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const json: unknown = await res.json();
  if (!res.ok) throw new Error(`POST ${url} → ${res.status}: ${JSON.stringify(json)}`);
  return json as Record<string, unknown>;
}

/**
 * The whole control plane as `npm start` runs it (embedded host agent, real sandboxes), on
 * 127.0.0.1 and a free port, with its database in memory (or WRENN_TEST_DATABASE_URL).
 */
export async function startRealServer(): Promise<RealServer> {
  const database = await createTestDatabase();
  const config = {
    ...loadConfig({
      WRENN_DIR: wrennDir(),
      WRENN_HOST: "127.0.0.1",
      WRENN_PORT: "0",
      WRENN_JWT_SECRET: randomBytes(32).toString("hex"),
      WRENN_ENCRYPTION_KEY: randomBytes(32).toString("hex"),
      WRENN_RATE_LIMIT_PER_MINUTE: "100000",
      WRENN_AUTH_RATE_LIMIT_PER_MINUTE: "100000",
      WRENN_EMBEDDED_AGENT: "true",
    }),
    database: database.target,
  };
  const log = createLogger({ level: process.env.WRENN_TEST_LOG ?? "warn" });
  const cp = await createControlPlane({ config, log });
  const url = await cp.listen();

  return {
    cp,
    url,
    async newTeamKey(label) {
      const email = `${label}-${randomBytes(4).toString("hex")}@example.com`;
      const session = await post(`${url}/v1/auth/signup`, {
        email,
        password: `pw-${randomBytes(8).toString("hex")}`,
      });
      const key = await post(
        `${url}/v1/keys`,
        { name: label },
        { authorization: `Bearer ${String(session.token)}` },
      );
      return String(key.key);
    },
    async close() {
      await cp.close();
      await database.drop();
    },
  };
}
