import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentClient, sh, startAgentInProcess, TEST_TEAM } from "./helpers/agent.js";

/** Python one-liner: exit 0 if a TCP connect to host:port succeeds within 2 s, else 1. */
function canConnect(host: string, port: number): string {
  return `python3 -c "import socket,sys; s=socket.socket(); s.settimeout(2); sys.exit(0 if s.connect_ex(('${host}', ${port})) == 0 else 1)"`;
}

describe("sandboxes are isolated from the host and from each other", () => {
  let env: Awaited<ReturnType<typeof startAgentInProcess>>;
  let client: AgentClient;
  let a: string;
  let b: string;
  let aAddress: string;
  let bAddress: string;
  let hostServer: http.Server;
  let hostPort: number;

  beforeAll(async () => {
    env = await startAgentInProcess();
    client = env.client;
    const [sa, sb] = await Promise.all([
      client.createSandbox({ teamId: TEST_TEAM, templateId: "base", memoryMib: 256, diskMib: 512 }),
      client.createSandbox({ teamId: TEST_TEAM, templateId: "base", memoryMib: 256 }),
    ]);
    a = sa.sandbox!.sandboxId;
    b = sb.sandbox!.sandboxId;
    aAddress = sa.sandbox!.hostAddress;
    bAddress = sb.sandbox!.hostAddress;
    // A host service on every address: sandboxes must not reach it.
    hostServer = http.createServer((_req, res) => res.end("host secret"));
    await new Promise<void>((resolve) => hostServer.listen(0, "0.0.0.0", resolve));
    hostPort = (hostServer.address() as AddressInfo).port;
  });
  afterAll(async () => {
    hostServer?.close();
    for (const id of [a, b])
      if (id) await client.destroySandbox({ sandboxId: id }).catch(() => undefined);
    await env?.agent.stop();
  });

  it("cannot see host processes", async () => {
    const ps = await sh(client, a, "ps -e -o pid=,comm=");
    const pids = ps.stdout
      .trim()
      .split("\n")
      .map((line) => Number(line.trim().split(/\s+/)[0]));
    expect(pids).toContain(1);
    // Only the sandbox's own few processes, none of the host's hundreds.
    expect(pids.length).toBeLessThan(15);
    expect(ps.stdout).not.toMatch(/vitest|systemd|sshd/);
  });

  it("cannot see another sandbox's files", async () => {
    await client.writeFile({
      sandboxId: b,
      path: "/home/user/secret.txt",
      content: Buffer.from("b only"),
    });
    const found = await sh(
      client,
      a,
      "ls /home/user/secret.txt 2>&1; find / -name secret.txt -xdev 2>/dev/null | wc -l",
    );
    expect(found.stdout).toContain("No such file");
    expect(found.stdout.trim().endsWith("0")).toBe(true);
  });

  it("cannot connect to a host listener on 0.0.0.0, nor to another sandbox", async () => {
    const gateway = (
      await sh(client, a, "ip route 2>/dev/null | awk '/default/ {print $3}' || true")
    ).stdout.trim();
    const targets = [
      aAddress.replace(/\.\d+$/, (m) => `.${Number(m.slice(1)) - 1}`),
      gateway,
      "10.11.0.1",
    ].filter(Boolean);
    for (const host of new Set(targets)) {
      const result = await sh(client, a, canConnect(host, hostPort));
      expect(result.exitCode, `sandbox reached the host at ${host}:${hostPort}`).toBe(1);
    }
    // envd of the other sandbox listens on 49983 of its slot address.
    const other = await sh(client, a, canConnect(bAddress, 49983));
    expect(other.exitCode, "sandbox reached another sandbox").toBe(1);
    const metadata = await sh(client, a, canConnect("169.254.169.254", 80));
    expect(metadata.exitCode).toBe(1);
    // The host itself still reaches both.
    expect((await sh(client, b, "true")).exitCode).toBe(0);
  });

  it("OOM-kills a memory hog inside its own cgroup and keeps the sandbox alive", async () => {
    const hog = await sh(
      client,
      a,
      "python3 -c \"b = bytearray(600 * 1024 * 1024); print('survived')\"",
    );
    expect(hog.exitCode).not.toBe(0);
    expect(hog.stdout).not.toContain("survived");
    const after = await sh(client, a, "echo alive");
    expect(after.stdout).toBe("alive\n");
    expect((await sh(client, b, "echo neighbour fine")).stdout).toBe("neighbour fine\n");
  });

  it("stops a fork bomb at the pids limit", async () => {
    const bomb = await sh(
      client,
      a,
      "timeout 5 bash -c 'for i in $(seq 1 3000); do sleep 30 & done; wait' 2>&1 | grep -c 'Resource temporarily unavailable' || true",
    );
    expect(Number(bomb.stdout.trim())).toBeGreaterThan(0);
    await sh(client, a, "pkill -9 sleep || true", "root");
    expect((await sh(client, a, "echo recovered")).stdout).toBe("recovered\n");
  });

  it("fails writes past the disk limit inside the sandbox only", async () => {
    const fill = await sh(
      client,
      a,
      "dd if=/dev/zero of=/home/user/fill bs=1M count=700 2>&1; echo exit=$?",
    );
    expect(fill.stdout).toMatch(/No space left on device/);
    await sh(client, a, "rm -f /home/user/fill");
    expect(
      (
        await sh(client, b, "dd if=/dev/zero of=/tmp/ok bs=1M count=20 >/dev/null 2>&1; echo $?")
      ).stdout.trim(),
    ).toBe("0");
  });
});
