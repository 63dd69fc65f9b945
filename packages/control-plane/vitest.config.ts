import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["source"] },
  ssr: { resolve: { conditions: ["source"] } },
  test: {
    name: "control-plane",
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    // PGlite takes ~1-3 s to start and migrate per test file; a real PostgreSQL is faster.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
