import { defineConfig } from "vitest/config";

/** Tests whose sandboxes are real (vitest.sandboxes.config.ts runs them, one file at a time). */
export const REAL_SANDBOX_TESTS = ["test/sandboxes*.test.ts"];

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    name: "control-plane",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/node_modules/**", ...REAL_SANDBOX_TESTS],
    // PGlite takes ~1-3 s to start and migrate per test file; a real PostgreSQL is faster.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
