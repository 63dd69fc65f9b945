import { readFileSync } from "node:fs";
import { type Code, ConnectError } from "@connectrpc/connect";
import { expect, vi } from "vitest";
import { type AgentClient, sh } from "./agent.js";
import { leftoversOf } from "./leaks.js";

/**
 * A Python process that holds `bufferMiB` of random bytes and counts: it writes its count to
 * <dir>/count every 20 ms, the sha256 of its buffer to <dir>/digest at start, and again to
 * <dir>/checked whenever <dir>/check appears. A restored process continues its count and
 * proves its memory is intact; a restarted one would start from 1 with another digest.
 */
export function counterScript(dir: string, bufferMiB: number): string {
  return `
import hashlib, os, time
buf = bytearray(os.urandom(${bufferMiB} * 1024 * 1024))
def put(name, text):
    with open("${dir}/" + name + ".tmp", "w") as f: f.write(text)
    os.replace("${dir}/" + name + ".tmp", "${dir}/" + name)
put("digest", hashlib.sha256(buf).hexdigest())
n = 0
while True:
    n += 1
    put("count", str(n))
    if os.path.exists("${dir}/check"):
        os.remove("${dir}/check")
        put("checked", hashlib.sha256(buf).hexdigest())
    time.sleep(0.02)
`;
}

/** Starts the counter (as `user`) and waits for its first counts. */
export async function startCounter(
  client: AgentClient,
  sandboxId: string,
  options: { dir?: string; bufferMiB?: number } = {},
): Promise<{ dir: string; pid: number; digest: string }> {
  const dir = options.dir ?? "/home/user/counter";
  await client.writeFile({
    sandboxId,
    path: `${dir}/counter.py`,
    content: Buffer.from(counterScript(dir, options.bufferMiB ?? 64)),
  });
  const started = await sh(
    client,
    sandboxId,
    `nohup python3 ${dir}/counter.py >${dir}/counter.log 2>&1 & echo $!`,
  );
  const pid = Number(started.stdout.trim());
  await vi.waitFor(async () => expect(await readCount(client, sandboxId, dir)).toBeGreaterThan(2), {
    timeout: 20_000,
    interval: 50,
  });
  const digest = (await sh(client, sandboxId, `cat ${dir}/digest`)).stdout;
  expect(digest).toMatch(/^[0-9a-f]{64}$/);
  return { dir, pid, digest };
}

export async function readCount(client: AgentClient, sandboxId: string, dir: string) {
  const text = (await sh(client, sandboxId, `cat ${dir}/count 2>/dev/null`)).stdout.trim();
  return text === "" ? 0 : Number(text);
}

/** Waits until the count passes `above`: the process runs (again). */
export async function expectCounting(
  client: AgentClient,
  sandboxId: string,
  dir: string,
  above: number,
): Promise<number> {
  let count = 0;
  await vi.waitFor(
    async () => {
      count = await readCount(client, sandboxId, dir);
      expect(count).toBeGreaterThan(above);
    },
    { timeout: 20_000, interval: 50 },
  );
  return count;
}

/** Asks the counter for the sha256 of its buffer now. */
export async function bufferDigest(client: AgentClient, sandboxId: string, dir: string) {
  await sh(client, sandboxId, `rm -f ${dir}/checked; touch ${dir}/check`);
  let digest = "";
  await vi.waitFor(
    async () => {
      digest = (await sh(client, sandboxId, `cat ${dir}/checked 2>/dev/null`)).stdout;
      expect(digest).toMatch(/^[0-9a-f]{64}$/);
    },
    { timeout: 20_000, interval: 50 },
  );
  return digest;
}

/** A paused sandbox holds no process, cgroup (so no memory), mount or loop device. */
export function expectNothingRunning(sandboxId: string, hostPid: number | undefined): void {
  const { files, ...held } = leftoversOf(sandboxId);
  expect(held).toEqual({ runc: [], mounts: [], cgroups: [], processes: [], loops: [] });
  if (hostPid !== undefined)
    expect(isAlive(hostPid), `sandbox init ${hostPid} is gone`).toBe(false);
  expect(files.length).toBeGreaterThan(0);
}

/** Gone or a zombie (the host's init reaps it a moment later): either way it holds no memory. */
function isAlive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
  } catch {
    return false;
  }
}

export async function codeOf(promise: Promise<unknown>): Promise<{ code: Code; message: string }> {
  try {
    await promise;
  } catch (error) {
    const e = ConnectError.from(error);
    return { code: e.code, message: e.rawMessage };
  }
  throw new Error("expected the call to fail");
}
