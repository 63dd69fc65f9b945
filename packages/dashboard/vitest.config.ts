import { defineConfig } from "vitest/config";

/**
 * The dashboard driven by a real browser (Debian's chromium through playwright-core) against a
 * real control plane with its embedded host agent, so real sandboxes: one file at a time.
 */
export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    name: "dashboard",
    include: ["test/**/*.test.ts", "src/**/*.test.ts"],
    fileParallelism: false,
    // The first start on a machine builds the base template (about a minute).
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
