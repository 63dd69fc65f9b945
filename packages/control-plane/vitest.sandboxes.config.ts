import { defineConfig } from "vitest/config";
import { REAL_SANDBOX_TESTS } from "./vitest.config.js";

/**
 * The control plane with its embedded host agent and real sandboxes. Like the agent's own
 * tests, these share the machine's network slots, runc root and WRENN_DIR, so their files run
 * one at a time; and with `fileParallelism: false` (one worker) vitest puts them in the same
 * sequential group as the agent's files, after the parallel projects, so the two never overlap
 * within one `vitest run` (`npm test`).
 */
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    name: "control-plane-sandboxes",
    include: REAL_SANDBOX_TESTS,
    fileParallelism: false,
    // The first start on a machine builds the base template (about a minute).
    testTimeout: 180_000,
    hookTimeout: 300_000,
  },
});
