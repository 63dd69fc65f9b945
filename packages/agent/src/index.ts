import { mkdir } from "node:fs/promises";
import http from "node:http";
import { cpus, hostname, totalmem } from "node:os";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { HostAgentService } from "@wrenn/proto/hostagent/v1";
import type { Logger } from "pino";
import type { AgentConfig } from "./config.js";
import { createLayout } from "./layout.js";
import type { Slots } from "./manager/deps.js";
import { createKeyedLock } from "./manager/keyed-lock.js";
import { createSandboxManager } from "./manager/sandbox-manager.js";
import { createSandboxTable } from "./manager/sandbox-table.js";
import { createMetricsSampler } from "./metrics/sampler.js";
import { readSlotCounters } from "./network/counters.js";
import { closeHostConnections } from "./network/host-sockets.js";
import type { Slot } from "./network/slot.js";
import { createSlotPool } from "./network/slot-pool.js";
import { ConnectionTracker } from "./proxy/connection-tracker.js";
import { createPortProxy } from "./proxy/port-proxy.js";
import { createEnvdClients } from "./relay/envd-clients.js";
import { createFileRelay } from "./relay/files.js";
import { createProcessRelay } from "./relay/processes.js";
import { errorInterceptor } from "./rpc/errors.js";
import { createHostAgentService } from "./rpc/host-agent-service.js";
import { createRuncDriver } from "./runtime/runc/runc-driver.js";
import { createDiskPool } from "./storage/disk-pool.js";
import { createOverlayRootfs } from "./storage/overlay.js";
import { createTemplateStore } from "./storage/templates.js";

export type { AgentConfig } from "./config.js";
export { loadAgentConfig } from "./config.js";

export const AGENT_VERSION = "0.1.0";

/**
 * The composition root of the host agent: builds every component in dependency order.
 * Nothing runs until start(); stop() leaves sandboxes running (they are re-adopted on the next
 * start), while shutdown work in progress is awaited.
 */
export function createAgent(config: AgentConfig, log: Logger) {
  const layout = createLayout(config.dataDir);
  const now = () => new Date();
  const pool = createSlotPool({
    log: log.child({ component: "agent.network" }),
    minFree: config.warmSlots,
    maxSlots: config.maxSlots,
  });
  const slots: Slots = {
    acquire: (policy, signal) => pool.acquire(policy, signal),
    // The pool checks identity: records hold the very object acquire/adopt returned.
    release: (lease) => pool.release(lease as Slot),
    adopt: (index, policy) => pool.adopt(index, policy),
    reapUnadopted: () => pool.reapUnadopted(),
    readCounters: (lease) => readSlotCounters(lease),
    closeHostConnections: (lease) => closeHostConnections(lease.sandboxAddress),
  };
  const disks = createDiskPool({ layout, log, minFree: config.warmDisks });
  const templates = createTemplateStore({
    layout,
    log: log.child({ component: "agent.templates" }),
  });
  const table = createSandboxTable({ layout, log });
  const tracker = new ConnectionTracker();
  const clients = createEnvdClients({ table });
  const sampler = createMetricsSampler({ layout, table, disks, slots, log, now });
  const runtime = createRuncDriver({
    log: log.child({ component: "agent.runtime" }),
    stateRoot: layout.runcRoot,
    criuPath: layout.criuWrapper,
    criuConfigPath: layout.criuConfig,
    criuDir: layout.criuAgentDir,
  });
  const manager = createSandboxManager({
    log: log.child({ component: "agent.manager" }),
    layout,
    table,
    lock: createKeyedLock(),
    slots,
    disks,
    templates,
    rootfs: createOverlayRootfs({ log }),
    runtime,
    envd: { nodeBinary: config.nodeBinary, envdDir: config.envdDir },
    limits: {
      cpuCount: cpus().length,
      memoryMiB: Math.floor(totalmem() / 1024 / 1024),
      maxDiskMiB: 1024 * 1024,
    },
    now,
    tracker,
    sampler,
    clients,
  });
  const processes = createProcessRelay({ clients });
  const files = createFileRelay({ clients });
  const proxy = createPortProxy({ table, tracker, log: log.child({ component: "agent.proxy" }) });

  const rpc = connectNodeAdapter({
    interceptors: [errorInterceptor(log.child({ component: "agent.rpc" }))],
    routes(router) {
      router.service(
        HostAgentService,
        createHostAgentService({
          manager,
          processes,
          files,
          sampler,
          ping: () => ({
            version: AGENT_VERSION,
            hostName: hostname(),
            runtime: runtime.name,
            cpuCount: cpus().length,
            memoryBytes: BigInt(totalmem()),
            freeSlots: pool.stats().free,
          }),
        }),
      );
    },
  });
  const server = http.createServer({ requestTimeout: 0, keepAliveTimeout: 65_000 }, (req, res) => {
    if (proxy.matches(req.url)) proxy.web(req, res);
    else rpc(req, res);
  });
  server.on("upgrade", (req, socket, head) => {
    if (proxy.matches(req.url)) proxy.upgrade(req, socket, head);
    else socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n");
  });

  return {
    manager,
    layout,
    templates,
    /**
     * The port proxy for a caller in this process (single-host mode), whose sandbox traffic then
     * skips a loopback HTTP hop: `req.url` is `/proxy/{sandboxId}/{port}/…`, as over HTTP.
     */
    portProxy: { web: proxy.web, upgrade: proxy.upgrade },
    /** Network slots and disk images prepared ahead and ready now (a benchmark waits for them). */
    warm: () => ({ slots: pool.stats().free, disks: disks.readyCount() }),
    async start(): Promise<{ host: string; port: number }> {
      await mkdir(layout.sandboxesDir, { recursive: true, mode: 0o700 });
      const base = await templates.ensureBaseTemplate({
        onProgress: (line) => log.info({ line }, "building the base template (first start only)"),
      });
      if (base.built) log.info({ durationMs: base.durationMs }, "base template built");
      await pool.init();
      await disks.refill();
      const recovered = await manager.recover();
      manager.reaper.start();
      sampler.start(config.metricsIntervalMs);
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(config.listenPort, config.listenHost, () => resolve());
      });
      const address = server.address() as import("node:net").AddressInfo;
      log.info(
        { host: address.address, port: address.port, adopted: recovered.adopted.length },
        "agent listening",
      );
      return { host: address.address, port: address.port };
    },
    async stop(): Promise<void> {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      proxy.close();
      await manager.reaper.stop();
      await manager.idle();
      await sampler.stop();
      await pool.shutdown();
      await disks.close();
    },
  };
}

export type Agent = ReturnType<typeof createAgent>;
