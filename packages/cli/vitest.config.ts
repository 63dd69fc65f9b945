import { defineConfig } from "vitest/config";

/**
 * The CLI's unit tests (src/**) and its end-to-end test (test/**), which starts the real
 * control plane with its embedded agent and drives every subcommand as a child process. Real
 * sandboxes share the machine's network slots, so the files run one at a time, in the same
 * sequential group as the agent's and the control plane's real-sandbox projects.
 */
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    name: "cli",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    fileParallelism: false,
    testTimeout: 120_000,
    // The first start on a machine builds the base template (about a minute).
    hookTimeout: 300_000,
  },
});
