import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { initEnvd, type RunningEnvd } from "./helpers/envd.js";
import {
  createTestNetns,
  type NetnsServer,
  probe,
  startEnvdInNetns,
  startServerInNetns,
  type TestNetns,
} from "./helpers/netns.js";

const WAIT = { timeout: 10_000, interval: 50 };

describe("envd port forwarding in a network namespace", () => {
  const token = "tok-ports-123";
  let ns: TestNetns | undefined;
  let envd: RunningEnvd | undefined;
  const servers: NetnsServer[] = [];

  beforeAll(async () => {
    ns = createTestNetns();
    envd = await startEnvdInNetns(ns);
    await initEnvd(envd, { accessToken: token });
  });
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.stop()));
  });
  afterAll(async () => {
    try {
      await Promise.all(servers.splice(0).map((s) => s.stop()));
      await envd?.stop();
    } finally {
      ns?.destroy();
    }
  });

  async function serve(host: string, body: string, port?: number): Promise<NetnsServer> {
    const server = await startServerInNetns(ns!, { host, body, port });
    servers.push(server);
    return server;
  }

  function url(port: number): string {
    return `http://${ns!.insideAddress}:${port}/`;
  }

  async function body(port: number): Promise<string> {
    const res = await fetch(url(port), { signal: AbortSignal.timeout(5_000) });
    return res.text();
  }

  function logsFor(msg: string, port: number) {
    return envd!.logs.filter((l) => l.msg === msg && l.port === port);
  }

  /** Waits until envd forwards a fresh loopback listener: proof that a whole scan ran since. */
  async function scanHappened(): Promise<void> {
    const marker = await serve("127.0.0.1", "marker");
    await vi.waitFor(async () => expect(await body(marker.port)).toBe("marker"), WAIT);
  }

  it("forwards a 127.0.0.1 listener to the sandbox address and drops it when it goes", async () => {
    const server = await serve("127.0.0.1", "hello from loopback");
    expect(await probe(ns!.insideAddress, server.port)).toBe("refused");
    await vi.waitFor(async () => expect(await body(server.port)).toBe("hello from loopback"), WAIT);

    await server.stop();
    await vi.waitFor(
      async () => expect(await probe(ns!.insideAddress, server.port)).toBe("refused"),
      WAIT,
    );
    await vi.waitFor(() => expect(logsFor("stopped forwarding port", server.port)).toHaveLength(1));
  });

  it("forwards a ::1 listener", async () => {
    const server = await serve("::1", "hello from ipv6 loopback");
    await vi.waitFor(
      async () => expect(await body(server.port)).toBe("hello from ipv6 loopback"),
      WAIT,
    );
    expect(logsFor("forwarding port", server.port)).toMatchObject([{ target: "::1" }]);
  });

  it("leaves a 0.0.0.0 listener alone: it is reachable already and must not be double-bound", async () => {
    const wildcard = await serve("0.0.0.0", "wildcard");
    await scanHappened();
    expect(await body(wildcard.port)).toBe("wildcard");
    expect(logsFor("forwarding port", wildcard.port)).toHaveLength(0);
    expect(logsFor("cannot forward port", wildcard.port)).toHaveLength(0);
  });

  it("tries a port it cannot bind once, not every scan, and leaves the other program be", async () => {
    // The squatter binds first, so envd cannot win the race to the sandbox address.
    const squatter = await serve(ns!.insideAddress, "squatter");
    const loopback = await serve("127.0.0.1", "loopback", squatter.port);
    await scanHappened();
    await scanHappened();
    expect(logsFor("cannot forward port", loopback.port)).toMatchObject([{ code: "EADDRINUSE" }]);
    expect(await body(squatter.port)).toBe("squatter");
  });

  it("stops on /snapshot/prepare and starts again on /init", async () => {
    const before = await serve("127.0.0.1", "before snapshot");
    await vi.waitFor(async () => expect(await body(before.port)).toBe("before snapshot"), WAIT);

    const denied = await fetch(`${envd!.url}/snapshot/prepare`, { method: "POST" });
    expect(denied.status).toBe(401);
    const prepared = await fetch(`${envd!.url}/snapshot/prepare`, {
      method: "POST",
      headers: { "x-access-token": token },
    });
    expect(prepared.status).toBe(204);
    // prepare answers only once every forward is closed.
    expect(await probe(ns!.insideAddress, before.port)).toBe("refused");

    // The scan loop has ended (it logs "stopped" on its way out) and nothing restarted it, so
    // a listener that appears now stays unforwarded until /init.
    const lifecycle = () =>
      envd!.logs.filter((l) => String(l.msg).startsWith("port forwarding st")).map((l) => l.msg);
    await vi.waitFor(() => expect(lifecycle().at(-1)).toBe("port forwarding stopped"));
    const after = await serve("127.0.0.1", "after snapshot");
    expect(await probe(ns!.insideAddress, after.port)).toBe("refused");
    expect(lifecycle().at(-1)).toBe("port forwarding stopped");

    await initEnvd(envd!, { currentToken: token });
    await vi.waitFor(async () => expect(await body(after.port)).toBe("after snapshot"), WAIT);
    await vi.waitFor(async () => expect(await body(before.port)).toBe("before snapshot"), WAIT);
  });
});
