import { join } from "node:path";
import { ENVD_NODE_FLAGS } from "@wrenn/envd/node-flags";
import type { Layout } from "../layout.js";
import { SANDBOX_INNER_ADDRESS } from "../network/addresses.js";
import type { SandboxSpec } from "../runtime/driver.js";
import { ENVD_DIR_TARGET, ENVD_NODE_TARGET, SANDBOX_INIT_PATH } from "../storage/base-template.js";
import { pathExists } from "../storage/fs-util.js";
import type { EnvdArtifacts, SlotLease } from "./deps.js";
import type { SandboxRecord } from "./sandbox.js";

export const ENVD_LOG = "/var/log/wrenn/envd.log";
const PIDS_LIMIT = 1024;

/** The runtime spec of a sandbox: envd under tini as PID 1, Node and envd mounted read-only. */
export async function buildSandboxSpec(options: {
  record: SandboxRecord;
  slot: SlotLease;
  layout: Layout;
  envd: EnvdArtifacts;
}): Promise<SandboxSpec> {
  const { record, layout } = options;
  const rootfsDir = layout.rootfsDir(record.id);
  const envdArgs = [
    ENVD_NODE_TARGET,
    ...ENVD_NODE_FLAGS,
    join(ENVD_DIR_TARGET, "envd.cjs"),
    "--port",
    "49983",
    "--forward-address",
    SANDBOX_INNER_ADDRESS,
    "--log-file",
    ENVD_LOG,
  ];
  // Node cannot reap orphaned grandchildren; tini as PID 1 does, and forwards signals.
  const hasTini = await pathExists(join(rootfsDir, SANDBOX_INIT_PATH));
  return {
    id: record.id,
    bundleDir: layout.bundleDir(record.id),
    rootfsDir,
    netnsPath: options.slot.netnsPath,
    vcpus: record.vcpus,
    memoryMiB: record.memoryMiB,
    pidsLimit: PIDS_LIMIT,
    args: hasTini ? [SANDBOX_INIT_PATH, "-g", "--", ...envdArgs] : envdArgs,
    env: [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      "HOME=/root",
      "LANG=C.UTF-8",
    ],
    readonlyBinds: [
      { source: options.envd.nodeBinary, destination: ENVD_NODE_TARGET },
      { source: options.envd.envdDir, destination: ENVD_DIR_TARGET },
    ],
  };
}
