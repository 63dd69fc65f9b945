import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { CONTROL_PLANE_NODE_FLAGS } from "./node-flags.js";

const checkout = new URL("../../../", import.meta.url);

describe("control plane Node.js flags", () => {
  it("are passed by both `npm start`s and the quick start, which cannot import them", async () => {
    const startScript = async (dir: string) =>
      (
        JSON.parse(await readFile(new URL(`${dir}package.json`, checkout), "utf8")) as {
          scripts: Record<string, string>;
        }
      ).scripts.start;
    const starts = [await startScript(""), await startScript("packages/control-plane/")];
    const quickstart = await readFile(new URL("scripts/quickstart.sh", checkout), "utf8");
    const serverLine = quickstart.split("\n").find((line) => line.startsWith("exec node "));
    expect(CONTROL_PLANE_NODE_FLAGS.length).toBeGreaterThan(0);
    for (const flag of CONTROL_PLANE_NODE_FLAGS) {
      for (const start of starts) expect(start).toContain(` ${flag} `);
      expect(serverLine).toContain(` ${flag} `);
    }
  });
});
