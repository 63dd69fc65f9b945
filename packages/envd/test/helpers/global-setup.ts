import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The tests drive the shipped artefact: dist/envd.cjs, built from the current sources. */
export function setup(): void {
  if (process.getuid?.() !== 0) {
    throw new Error("envd tests need root (they switch users and chown files); run them as root");
  }
  execFileSync(process.execPath, [fileURLToPath(new URL("../../build.mjs", import.meta.url))], {
    stdio: "inherit",
  });
}
