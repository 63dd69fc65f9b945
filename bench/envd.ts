// envd benchmark: exec latency through the unmodified e2b SDK vs a bare spawn of exactly what
// envd runs, 100 MB file throughput (SDK, plain HTTP client) vs direct fs copies, and envd's
// idle memory. Figures are ratios against primitives measured in the same run; the last stdout
// line is one JSON object.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { chown, copyFile, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { pipeline } from "node:stream/promises";
import { ENVD_NODE_FLAGS } from "@wrenn/envd";
import {
  connectSdk,
  initEnvd,
  type RunningEnvd,
  startApiStandIn,
  startEnvd,
  testUser,
} from "@wrenn/envd/testing";
import {
  exposeGc,
  memoryOf,
  mibPerS,
  percentile,
  report,
  round,
  sleepMs,
  timeMs,
} from "./stats.js";

const EXEC_RUNS = 200;
const EXEC_WARMUP = 20;
const FILE_BYTES = 100 * 1024 * 1024;
const FILE_ROUNDS = 5;
/** The first round warms the JIT, the page cache and TCP's buffers; it is not counted. */
const FILE_WARMUP_ROUNDS = 1;
const IDLE_MS = 2000;
/** V8's memory reducer shrinks an idle heap about 8 s after the last GC; this is past it. */
const SETTLED_MS = 12_000;
/** envd reads and writes files in 1 MiB chunks; the userspace baseline gets the same. */
const STREAM_CHUNK_BYTES = 1 << 20;
/** Past this the run is abandoned: children killed, temp files removed, exit 1. */
const DEADLINE_MS = 5 * 60_000;

type BenchUser = ReturnType<typeof testUser>;
type Sandbox = Awaited<ReturnType<typeof connectSdk>>;

/** Undo steps, run in reverse on the way out, whether the run succeeded, failed or timed out. */
const cleanups: (() => Promise<void>)[] = [];

async function cleanUp(): Promise<void> {
  for (let undo = cleanups.pop(); undo; undo = cleanups.pop()) {
    try {
      await undo();
    } catch (error) {
      process.stderr.write(`cleanup step failed: ${String(error)}\n`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// exec

/**
 * What envd does for `commands.run("true")` as `user` (process-service.ts, environment.ts,
 * spawn-pipes.ts): same argv, uid/gid, cwd, the clean environment envd builds, its own session,
 * stdin ignored and stdout/stderr on pipes, done on "close". Only the RPC and envd are missing.
 */
function bareSpawn(user: BenchUser): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn("/bin/bash", ["-l", "-c", "true"], {
      cwd: user.home,
      env: {
        PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        HOME: user.home,
        USER: user.name,
        LOGNAME: user.name,
        E2B_SANDBOX: "true",
      },
      uid: user.uid,
      gid: user.gid,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.resume();
    child.stderr.resume();
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`bare bash exited with ${code}`)),
    );
  });
}

async function benchExec(sandbox: Sandbox, user: BenchUser) {
  process.stderr.write(
    `exec: ${EXEC_RUNS} interleaved runs each as '${user.name}', after ${EXEC_WARMUP} warm-up runs\n`,
  );
  for (let i = 0; i < EXEC_WARMUP; i++) {
    await sandbox.commands.run("true");
    await bareSpawn(user);
  }
  const sdk: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < EXEC_RUNS; i++) {
    sdk.push(await timeMs(() => sandbox.commands.run("true")));
    bare.push(await timeMs(() => bareSpawn(user)));
  }
  const at = (samples: number[], p: number) => round(percentile(samples, p));
  return {
    exec_sdk_p50_ms: at(sdk, 50),
    exec_sdk_p95_ms: at(sdk, 95),
    exec_bare_spawn_p50_ms: at(bare, 50),
    exec_bare_spawn_p95_ms: at(bare, 95),
    exec_overhead_p50_ms: round(percentile(sdk, 50) - percentile(bare, 50)),
    exec_overhead_p95_ms: round(percentile(sdk, 95) - percentile(bare, 95)),
  };
}

// ---------------------------------------------------------------------------------------------
// files

async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: STREAM_CHUNK_BYTES })) {
    hash.update(chunk as Buffer);
  }
  return hash.digest("hex");
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

function flushDirtyPages(): Promise<void> {
  return new Promise((resolve, reject) => {
    spawn("sync", [], { stdio: "ignore" })
      .once("error", reject)
      .once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`sync exited ${code}`))));
  });
}

function streamCopy(from: string, to: string): Promise<void> {
  return pipeline(
    createReadStream(from, { highWaterMark: STREAM_CHUNK_BYTES }),
    createWriteStream(to, { highWaterMark: STREAM_CHUNK_BYTES }),
  );
}

/**
 * A plain streaming client in its own small process, as curl would be: `upload` pipes a file
 * into `POST /files` as application/octet-stream, `download` pipes `GET /files` into a file.
 * It times only the transfer and prints the milliseconds. In the benchmark's own process it
 * would share a heap holding 300 MB of test buffers and the SDK, and run 30-50% slower.
 */
const HTTP_CLIENT = `
import { createReadStream, createWriteStream, statSync } from "node:fs";
import { pipeline } from "node:stream/promises";
const [mode, base, token, remote, local] = process.argv.slice(1);
const url = new URL("/files", base);
url.searchParams.set("path", remote);
const chunk = { highWaterMark: ${STREAM_CHUNK_BYTES} };
const text = async (res) => { let t = ""; for await (const c of res) t += c; return t; };
const start = process.hrtime.bigint();
if (mode === "upload") {
  const headers = { "content-type": "application/octet-stream", "content-length": statSync(local).size, "x-access-token": token };
  const req = http.request(url, { method: "POST", headers });
  const answered = new Promise((resolve, reject) => req.once("response", resolve).once("error", reject));
  await pipeline(createReadStream(local, chunk), req);
  const res = await answered;
  const body = await text(res);
  if (res.statusCode !== 200) throw new Error("POST /files answered " + res.statusCode + ": " + body);
} else {
  const res = await new Promise((resolve, reject) => http.get(url, { headers: { "x-access-token": token } }, resolve).once("error", reject));
  if (res.statusCode !== 200) throw new Error("GET /files answered " + res.statusCode + ": " + (await text(res)));
  await pipeline(res, createWriteStream(local, chunk));
}
console.log(JSON.stringify({ ms: Number(process.hrtime.bigint() - start) / 1e6 }));
`;

interface HttpTransfer {
  mode: "upload" | "download";
  server: { url: string };
  token: string;
  remote: string;
  local: string;
}

/** Runs HTTP_CLIENT once; resolves with the transfer's own duration. */
function httpTransferMs(transfer: HttpTransfer): Promise<number> {
  const { mode, server, token, remote, local } = transfer;
  const args = ["--input-type=module", "-e", HTTP_CLIENT, mode, server.url, token, remote, local];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk;
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code !== 0) return reject(new Error(`http ${mode} failed (${code}): ${err.trim()}`));
      resolve((JSON.parse(out) as { ms: number }).ms);
    });
  });
}

/**
 * The clients' own ceiling: a server that does nothing but drain uploads and stream downloads
 * from memory, in its own process like envd. What a client reaches against it, it cannot beat
 * against envd.
 */
const SINK_SERVER = `
const payload = Buffer.alloc(${FILE_BYTES}, 7);
const server = http.createServer((req, res) => {
  const path = new URL(req.url, "http://sink").searchParams.get("path") ?? "";
  if (req.method === "POST") {
    req.resume();
    req.once("end", () => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify([{ path, name: path.split("/").pop(), type: "file" }]));
    });
    return;
  }
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": payload.length });
  let offset = 0;
  const more = () => {
    while (offset < payload.length) {
      const chunk = payload.subarray(offset, offset + ${STREAM_CHUNK_BYTES});
      offset += chunk.length;
      if (!res.write(chunk)) return void res.once("drain", more);
    }
    res.end();
  };
  more();
});
server.listen(0, "127.0.0.1", () => console.log(JSON.stringify({ msg: "listening", port: server.address().port })));
process.once("SIGTERM", () => process.exit(0));
`;

async function startSink(): Promise<RunningEnvd> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", SINK_SERVER], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`sink server exited early with code ${code}`)));
    createInterface({ input: child.stdout }).once("line", (line) => {
      resolve(Number((JSON.parse(line) as { port: unknown }).port));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    process: child,
    logs: [],
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

interface FileBenchDeps {
  envd: RunningEnvd;
  sink: RunningEnvd;
  sandbox: Sandbox;
  sinkSandbox: Sandbox;
  token: string;
  work: string;
}

const FILE_STEPS = [
  "copyFile",
  "streamCopy",
  "sdkWrite",
  "sdkRead",
  "httpWrite",
  "httpRead",
  "sdkSinkWrite",
  "sdkSinkRead",
  "httpSinkWrite",
  "httpSinkRead",
] as const;
type FileStep = (typeof FILE_STEPS)[number];
interface StepTimer {
  /** Times `fn` from here. */
  time(step: FileStep, fn: () => Promise<unknown>): Promise<void>;
  /** Runs `fn`, which reports its own duration in ms (a client process timing its transfer). */
  timed(step: FileStep, fn: () => Promise<number>): Promise<void>;
}

/**
 * One interleaved round. Every write creates a new file and every file is removed once checked
 * (outside the timing), so envd's writes and the direct copies pay the same filesystem costs:
 * replacing a 100 MB file also frees its old blocks, which direct copies would not pay.
 */
async function fileRound(deps: FileBenchDeps, files: RoundFiles, timer: StepTimer) {
  const { time, timed } = timer;
  const { envd, sink, sandbox, sinkSandbox, token } = deps;
  const { source, payload, direct, viaSdk, viaHttp, downloaded } = files;
  const expectFile = async (path: string, what: string) => {
    if ((await sha256File(path)) !== files.digest) throw new Error(`${what} differs`);
  };
  await time("copyFile", () => copyFile(source, direct));
  await expectFile(direct, "fs.copyFile's copy");
  await rm(direct);
  await time("streamCopy", () => streamCopy(source, direct));
  await expectFile(direct, "the stream copy");
  await rm(direct);

  await time("sdkWrite", () => sandbox.files.write(viaSdk, payload));
  await expectFile(viaSdk, "the file written through the SDK");
  let back: Uint8Array = new Uint8Array();
  await time("sdkRead", async () => {
    back = await sandbox.files.read(viaSdk, { format: "bytes" });
  });
  if (sha256(back) !== files.digest) throw new Error("the file read through the SDK differs");
  await rm(viaSdk);

  const http = (
    mode: HttpTransfer["mode"],
    server: { url: string },
    remote: string,
    local: string,
  ) => httpTransferMs({ mode, server, token, remote, local });
  await timed("httpWrite", () => http("upload", envd, viaHttp, source));
  await expectFile(viaHttp, "the file written through plain HTTP");
  await timed("httpRead", () => http("download", envd, viaHttp, downloaded));
  await expectFile(downloaded, "the file read through plain HTTP");
  await rm(downloaded);
  await rm(viaHttp);

  // The same clients against the sink: what they reach when the server costs nothing.
  await time("sdkSinkWrite", () => sinkSandbox.files.write(viaSdk, payload));
  let sunk: Uint8Array = new Uint8Array();
  await time("sdkSinkRead", async () => {
    sunk = await sinkSandbox.files.read(viaSdk, { format: "bytes" });
  });
  if (sunk.length !== FILE_BYTES) throw new Error("the sink server sent a short body");
  await timed("httpSinkWrite", () => http("upload", sink, viaHttp, source));
  await timed("httpSinkRead", () => http("download", sink, viaHttp, downloaded));
  if ((await stat(downloaded)).size !== FILE_BYTES) throw new Error("short sink download");
  await rm(downloaded);
}

interface RoundFiles {
  /** What the SDK writes: the source's bytes as the ArrayBuffer its types ask for. */
  payload: ArrayBuffer;
  digest: string;
  source: string;
  direct: string;
  viaSdk: string;
  viaHttp: string;
  downloaded: string;
}

async function benchFiles(deps: FileBenchDeps) {
  process.stderr.write(
    `files: 100 MB each way, ${FILE_ROUNDS} interleaved rounds after ${FILE_WARMUP_ROUNDS} warm-up\n`,
  );
  const data = randomBytes(FILE_BYTES);
  const at = (name: string) => join(deps.work, name);
  const files: RoundFiles = {
    payload: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength),
    digest: sha256(data),
    source: at("source.bin"),
    direct: at("direct.bin"),
    viaSdk: at("via-sdk.bin"),
    viaHttp: at("via-http.bin"),
    downloaded: at("downloaded.bin"),
  };
  await writeFile(files.source, data);
  const t = Object.fromEntries(FILE_STEPS.map((step) => [step, [] as number[]])) as Record<
    FileStep,
    number[]
  >;
  const gc = exposeGc();
  let counted = false;
  const record = async (step: FileStep, measure: () => Promise<number>) => {
    // The previous step's 100 MB of garbage is collected and its dirty pages are written back
    // now, not during this measurement.
    gc();
    await flushDirtyPages();
    const ms = await measure();
    if (counted) t[step].push(ms);
  };
  const timer: StepTimer = {
    time: (step, fn) => record(step, () => timeMs(fn)),
    timed: record,
  };
  for (let round = 0; round < FILE_WARMUP_ROUNDS + FILE_ROUNDS; round++) {
    counted = round >= FILE_WARMUP_ROUNDS;
    await fileRound(deps, files, timer);
  }
  const rate = Object.fromEntries(
    Object.entries(t).map(([name, samples]) => [name, mibPerS(FILE_BYTES, samples)]),
  ) as Record<keyof typeof t, number>;
  const ratio = (a: number, b: number) => round(a / b);
  return {
    sdk_write_100mb_mbps: rate.sdkWrite,
    sdk_read_100mb_mbps: rate.sdkRead,
    http_write_100mb_mbps: rate.httpWrite,
    http_read_100mb_mbps: rate.httpRead,
    stream_copy_100mb_mbps: rate.streamCopy,
    copy_file_100mb_mbps: rate.copyFile,
    sdk_client_ceiling_write_mbps: rate.sdkSinkWrite,
    sdk_client_ceiling_read_mbps: rate.sdkSinkRead,
    http_client_ceiling_write_mbps: rate.httpSinkWrite,
    http_client_ceiling_read_mbps: rate.httpSinkRead,
    sdk_write_vs_stream_copy_ratio: ratio(rate.sdkWrite, rate.streamCopy),
    sdk_read_vs_stream_copy_ratio: ratio(rate.sdkRead, rate.streamCopy),
    http_write_vs_stream_copy_ratio: ratio(rate.httpWrite, rate.streamCopy),
    http_read_vs_stream_copy_ratio: ratio(rate.httpRead, rate.streamCopy),
    sdk_write_vs_copy_file_ratio: ratio(rate.sdkWrite, rate.copyFile),
    sdk_read_vs_copy_file_ratio: ratio(rate.sdkRead, rate.copyFile),
    http_write_vs_copy_file_ratio: ratio(rate.httpWrite, rate.copyFile),
    http_read_vs_copy_file_ratio: ratio(rate.httpRead, rate.copyFile),
    sdk_write_vs_client_ceiling_ratio: ratio(rate.sdkWrite, rate.sdkSinkWrite),
    sdk_read_vs_client_ceiling_ratio: ratio(rate.sdkRead, rate.sdkSinkRead),
    http_write_vs_client_ceiling_ratio: ratio(rate.httpWrite, rate.httpSinkWrite),
    http_read_vs_client_ceiling_ratio: ratio(rate.httpRead, rate.httpSinkRead),
  };
}

function fileNotes(f: Awaited<ReturnType<typeof benchFiles>>): string[] {
  const notes = [
    "MB = MiB; throughput is the median round; every copy and transfer is checked by sha256",
    "stream copy = pipeline(createReadStream, createWriteStream), 1 MiB chunks: the fair " +
      "baseline for bytes that pass through a process; fs.copyFile never leaves the kernel",
    "client ceiling = the same client against a sink server (its own process) that only " +
      "drains uploads and streams downloads from memory: no client can beat it against envd",
  ];
  const clients = [
    ["SDK", "the e2b SDK client (undici fetch, whole body buffered)", "sdk"],
    ["plain HTTP", "the node:http client (its own process) piping to and from a file", "http"],
  ] as const;
  for (const [label, client, key] of clients) {
    for (const way of ["write", "read"] as const) {
      const ofCeiling = f[`${key}_${way}_vs_client_ceiling_ratio`];
      const ofCopy = f[`${key}_${way}_vs_stream_copy_ratio`];
      const pct = (x: number) => `${Math.round(x * 100)}%`;
      notes.push(
        ofCeiling >= 0.8
          ? `${label} ${way}: ${pct(ofCopy)} of the stream copy and ${pct(ofCeiling)} of its ` +
              `client's ceiling, so ${client} is the bottleneck, not envd`
          : `${label} ${way}: ${pct(ofCopy)} of the stream copy and ${pct(ofCeiling)} of its ` +
              `client's ceiling: envd's ${way} path costs more than the client does`,
      );
    }
  }
  return notes;
}

// ---------------------------------------------------------------------------------------------
// memory

function memoryFigures(idle: Record<string, number>, settled: Record<string, number>) {
  const mib = (name: string) => round(idle[name] ?? 0, 1);
  const priv = (m: Record<string, number>) =>
    round((m.Private_Clean ?? 0) + (m.Private_Dirty ?? 0), 1);
  return {
    idle_rss_mb: mib("Rss"),
    idle_pss_mb: mib("Pss"),
    idle_private_mb: priv(idle),
    idle_anon_mb: mib("Anonymous"),
    idle_shared_file_mb: mib("Shared_Clean"),
    settled_idle_rss_mb: round(settled.Rss ?? 0, 1),
    settled_idle_pss_mb: round(settled.Pss ?? 0, 1),
    settled_idle_private_mb: priv(settled),
  };
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const token = randomBytes(16).toString("hex");
  const user = testUser();
  const work = await mkdtemp(join(tmpdir(), "wrenn-bench-"));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  // envd writes as the sandbox user, so the user must own the directory it writes into.
  await chown(work, user.uid, user.gid);

  const envd = await startEnvd();
  cleanups.push(() => envd.stop());
  const api = await startApiStandIn();
  cleanups.push(() => api.close());
  const sink = await startSink();
  cleanups.push(() => sink.stop());

  await initEnvd(envd, { accessToken: token, defaultUser: user.name });
  // Idle memory first, before any exec or transfer grows the heap.
  const pid = envd.process.pid!;
  await sleepMs(IDLE_MS);
  const early = await memoryOf(pid);
  await sleepMs(SETTLED_MS - IDLE_MS);
  const idle = memoryFigures(early, await memoryOf(pid));

  const sandbox = await connectSdk(envd, api, token);
  const sinkSandbox = await connectSdk(sink, api, token);
  const exec = await benchExec(sandbox, user);
  const files = await benchFiles({ envd, sink, sandbox, sinkSandbox, token, work });
  const after = await memoryOf(envd.process.pid!);

  const [load1] = loadavg();
  report({ ...exec, ...files, ...idle, rss_after_transfers_mb: round(after.Rss ?? 0, 1) }, [
    `host: ${availableParallelism()} CPUs, 1-minute load average ${round(load1 ?? 0)} at the end; ` +
      "other work on the host lowers every figure, the ratios less so (same rounds)",
    `envd runs as \`node ${ENVD_NODE_FLAGS.join(" ")} envd.cjs\` (ENVD_NODE_FLAGS)`,
    `exec: both sides run /bin/bash -l -c true as '${user.name}' (uid ${user.uid}, ` +
      `HOME=${user.home}, envd's clean environment); overhead = SDK RPC + envd`,
    ...fileNotes(files),
    `memory: idle = ${IDLE_MS / 1000} s after /init, settled = ${SETTLED_MS / 1000} s after it ` +
      `(V8's memory reducer has run); private = Private_Clean + Private_Dirty; ` +
      `idle_shared_file_mb is mostly the node binary's text, file-backed and shared through the ` +
      `page cache by every sandbox (they all bind-mount the same host binary), so it is paid ` +
      `once per host, not per sandbox; pss charges each mapper its share`,
    "memory: rss_after_transfers_mb is mostly garbage (buffers of the 100 MB transfers) that " +
      "V8 frees at its next GC",
  ]);
}

const watchdog = setTimeout(() => {
  process.stderr.write(`bench: over ${DEADLINE_MS / 1000} s, giving up\n`);
  void cleanUp().finally(() => process.exit(1));
}, DEADLINE_MS);
watchdog.unref();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
}

try {
  await main();
} finally {
  await cleanUp();
  clearTimeout(watchdog);
}
