/**
 * Pieces of the agent that tools outside it (benchmarks) drive directly to measure the raw
 * primitives Wrenn is compared with. Not an API for sandboxes: use the RPC service for that.
 */

export { createEnvdClient, waitForEnvd } from "./envd/envd-client.js";
export { exec } from "./exec.js";
export { createLayout } from "./layout.js";
export { buildSandboxSpec } from "./manager/sandbox-spec.js";
export { createSlotPool } from "./network/slot-pool.js";
export { prepareCriuCommand } from "./runtime/runc/criu-shim.js";
export { buildOciSpec } from "./runtime/runc/oci-spec.js";
export { mountRootfs, unmountRootfs } from "./storage/overlay.js";
