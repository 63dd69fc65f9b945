import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // vitest.config.ts of each package, plus the control plane's real-sandbox project. Projects
    // whose files must run alone (fileParallelism: false: the agent's and the control plane's
    // real sandboxes) form one sequential group that vitest runs after the parallel ones, so
    // they never share the machine's network slots with each other.
    projects: ["packages/*/vitest.config.ts", "packages/control-plane/vitest.sandboxes.config.ts"],
  },
});
